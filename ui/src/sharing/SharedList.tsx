import { A } from "@solidjs/router";
import { For, Show } from "solid-js";
import { mux } from "../api/tab-mux.ts";
import { sharedList } from "./shares-api.ts";
import "./sharing.css";

const when = (ms: number) => {
  const d = new Date(ms);
  return d.toDateString() === new Date().toDateString()
    ? d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })
    : d.toLocaleDateString();
};

/** "Shared with me": other people's conversations shared with me, kept live. */
export function SharedList(props: { compact?: boolean }) {
  const shared = sharedList(mux());
  return (
    <Show when={!props.compact || shared().length > 0}>
      <Show when={props.compact}>
        <div class="nav-section">Shared with me</div>
      </Show>
      <Show
        when={shared().length > 0}
        fallback={<p class="muted">No one has shared a conversation with you yet.</p>}
      >
        <ul class="shared-list" aria-label="Shared with me">
          <For each={shared()}>
            {(s) => (
              <li>
                <A href={`/shared/${s.id}`} activeClass="active">
                  <span class="shared-title">{s.title || "Untitled conversation"}</span>
                  <span class="shared-meta">
                    {s.owner} · {when(s.updated_at)}
                  </span>
                </A>
              </li>
            )}
          </For>
        </ul>
      </Show>
    </Show>
  );
}

/** The page behind the phones' "Shared" tab (and the sidebar's heading). */
export default function SharedPage() {
  return (
    <div class="stack">
      <h1>Shared with me</h1>
      <SharedList />
    </div>
  );
}

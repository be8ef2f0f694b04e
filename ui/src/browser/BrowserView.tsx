import { useSearchParams } from "@solidjs/router";
import { createEffect, createResource, createSignal, For, onCleanup, Show } from "solid-js";
import * as v from "valibot";
import { type BrowserControl, browserEventSchema } from "../../../src/protocol/browser.ts";
import type { MuxClient } from "../api/mux-client.ts";
import { listSessions } from "../chat/chat-api.ts";
import { emptyView, reduceBrowser, stateLine } from "./browser-view.ts";
import { inputHandlers } from "./input.ts";
import "./browser.css";

/**
 * The Browser tab: the live picture of a session's agent browser, its URL and tabs, what the agent
 * is doing, and who drives. Frames are acked once shown, so a slow device skips frames instead of
 * queueing them.
 */
export default function BrowserView(props: { projectId: string; mux: MuxClient }) {
  const [search, setSearch] = useSearchParams<{ session?: string }>();
  const [sessions] = createResource(
    () => props.projectId,
    async (id) => {
      const r = await listSessions(id);
      return r.ok ? r.value.sessions.filter((s) => s.status !== "closed") : [];
    },
  );
  const session = () => search.session ?? sessions()?.[0]?.id;
  const [view, setView] = createSignal(emptyView());

  createEffect(() => {
    const id = session();
    if (!id) return;
    setView(emptyView());
    const watch = () => void props.mux.request("browser", "watch", { session_id: id });
    const offFrames = props.mux.onChannel("browser", (raw) => {
      const e = v.safeParse(browserEventSchema, raw);
      if (e.success) setView((current) => reduceBrowser(current, id, e.output));
    });
    const offOpen = props.mux.onOpen(watch);
    if (props.mux.isOpen()) watch();
    onCleanup(() => {
      offFrames();
      offOpen();
      void props.mux.request("browser", "unwatch", { session_id: id });
    });
  });

  const shown = (seq: number) => {
    const id = session();
    if (id) void props.mux.request("browser", "ack", { session_id: id, seq });
  };

  const driving = () => view().state?.driver === "user";
  const [note, setNote] = createSignal<string | null>(null);
  let screen: HTMLDivElement | undefined;
  const control = async (take: boolean) => {
    const id = session();
    if (!id) return;
    const r = await props.mux.request("browser", "control", { session_id: id, take });
    if (r.ok && !take) setNote(String((r.data as { note?: string }).note ?? ""));
    if (r.ok && take) {
      setNote(null);
      screen?.focus();
    }
  };
  const send = (input: BrowserControl) => {
    const id = session();
    if (id && driving()) void props.mux.request("browser", "input", { session_id: id, input });
  };
  const handlers = inputHandlers(send, () => view().frame);

  return (
    <div class="browser-view">
      <div class="browser-bar">
        <Show when={(sessions()?.length ?? 0) > 1}>
          <select
            class="browser-session"
            aria-label="Session"
            value={session() ?? ""}
            onChange={(e) => setSearch({ session: e.currentTarget.value })}
          >
            <For each={sessions()}>{(s) => <option value={s.id}>{s.title || s.id}</option>}</For>
          </select>
        </Show>
        <input
          class="browser-url"
          aria-label="Address"
          readOnly
          value={view().state?.url ?? ""}
          placeholder="No page open"
        />
      </div>
      <Show when={(view().state?.tabs.length ?? 0) > 1}>
        <ul class="browser-tabs" aria-label="Browser tabs">
          <For each={view().state?.tabs}>
            {(t) => (
              <li class="browser-tab" classList={{ current: t.current }} title={t.url}>
                {t.title || t.url}
              </li>
            )}
          </For>
        </ul>
      </Show>
      <div class="browser-state" data-driver={view().state?.driver ?? "closed"} aria-live="polite">
        <span class="browser-state-line">{stateLine(view().state)}</span>
        <Show when={view().state?.action}>
          {(action) => <span class="browser-action">▶ {action()}</span>}
        </Show>
      </div>
      <Show when={view().state?.ask}>
        {(ask) => (
          <p class="browser-ask" role="alert">
            The agent asks: {ask()}
          </p>
        )}
      </Show>
      <div class="browser-controls">
        <Show when={view().state && view().state?.driver !== "closed"}>
          <Show
            when={driving()}
            fallback={
              <button type="button" class="btn" onClick={() => void control(true)}>
                Take control
              </button>
            }
          >
            <button type="button" class="btn primary" onClick={() => void control(false)}>
              Hand back
            </button>
          </Show>
        </Show>
      </div>
      <Show when={note()}>{(text) => <pre class="browser-note">{text()}</pre>}</Show>
      <div
        class="browser-screen"
        role="application"
        classList={{ driving: driving() }}
        ref={screen}
        tabIndex={driving() ? 0 : -1}
        aria-label={driving() ? "The page: your mouse and keys go to it" : "The agent's browser"}
        onPointerDown={handlers.pointer("mousePressed")}
        onPointerUp={handlers.pointer("mouseReleased")}
        onPointerMove={handlers.pointer("mouseMoved")}
        onWheel={handlers.wheel}
        onKeyDown={handlers.key("keyDown")}
        onKeyUp={handlers.key("keyUp")}
        onPaste={handlers.paste}
      >
        <Show
          when={view().frame}
          fallback={
            <p class="muted browser-empty">
              {session() ? "No picture yet." : "No session in this project yet."}
            </p>
          }
        >
          {(frame) => (
            <img
              class="browser-frame"
              src={frame().src}
              width={frame().width}
              height={frame().height}
              alt={`The agent's browser: ${view().state?.title ?? ""}`}
              onLoad={() => shown(frame().seq)}
            />
          )}
        </Show>
      </div>
    </div>
  );
}

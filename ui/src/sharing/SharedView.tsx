import { A, useNavigate, useParams } from "@solidjs/router";
import Copy from "lucide-solid/icons/copy";
import GitFork from "lucide-solid/icons/git-fork";
import { createResource, createSignal, For, onCleanup, Show } from "solid-js";
import type { SharedSession } from "../../../src/protocol/shares.ts";
import { mux } from "../api/tab-mux.ts";
import { type LiveSession, openLiveSession } from "../chat/live-session.ts";
import { Timeline } from "../chat/Timeline.tsx";
import { forkShared, myProjects, sharedSession } from "./shares-api.ts";
import "../chat/chat.css";
import "../chat/timeline.css";
import "../chat/tool-card.css";
import "../chat/code.css";
import "../chat/composer.css";
import "./sharing.css";

/**
 * A conversation someone shared with me, read-only: the same live stream its owner sees, opened at
 * its end; no composer. I can copy its text or fork it into a project of mine. When the owner stops
 * sharing it, the watch ends at once and the page says so.
 */
export default function SharedView() {
  const params = useParams<{ id: string }>();
  const [info] = createResource(
    () => params.id,
    async (id) => {
      const r = await sharedSession(id);
      return r.ok ? { session: r.value.session } : { error: r.error.code };
    },
  );
  return (
    <div class="shared-page">
      <Show
        when={info()}
        fallback={
          <p class="muted" role="status">
            Opening…
          </p>
        }
      >
        {(got) => (
          <Show
            when={"session" in got() && (got() as { session: SharedSession }).session}
            keyed
            fallback={
              <div class="empty" role="alert">
                <h1>Conversation not found</h1>
                <p class="muted">It does not exist, or it is not shared with you.</p>
                <A href="/shared">Shared with me</A>
              </div>
            }
          >
            {(session) => <SharedPane session={session} />}
          </Show>
        )}
      </Show>
    </div>
  );
}

function SharedPane(props: { session: SharedSession }) {
  const navigate = useNavigate();
  const live: LiveSession = openLiveSession(mux(), props.session.id);
  onCleanup(() => live.dispose());
  const s = live.state;
  const [forking, setForking] = createSignal(false);
  const [note, setNote] = createSignal<string | null>(null);
  const [projects] = createResource(async () => {
    const r = await myProjects();
    return r.ok ? r.value.projects : [];
  });
  const [target, setTarget] = createSignal<string>("");

  const title = () => s().title || props.session.title || "Conversation";

  const copyText = async () => {
    const text = s()
      .messages.map((m) => {
        const body = m.parts.flatMap((p) => (p.type === "text" ? [p.text] : [])).join("\n");
        return body ? `${m.role === "user" ? "User" : "Assistant"}: ${body}` : "";
      })
      .filter(Boolean)
      .join("\n\n");
    try {
      await navigator.clipboard.writeText(text);
      setNote("Copied the conversation's text.");
    } catch {
      setNote("Could not copy: the browser refused the clipboard. Select the text to copy it.");
    }
  };

  const fork = async () => {
    setForking(true);
    setNote(null);
    const chosen = target() || projects()?.[0]?.id;
    const r = await forkShared(props.session.id, chosen || undefined);
    setForking(false);
    if (!r.ok) return setNote(`Could not fork: ${r.error.message}`);
    navigate(`/projects/${r.value.project_id}/chat?session=${r.value.session_id}`);
  };

  return (
    <div class="shared-view">
      <header class="row shared-head">
        <h1 class="chat-title" title={title()}>
          {title()}
        </h1>
      </header>
      <Show when={!live.ended()}>
        <div class="shared-banner" role="note">
          <span>
            Shared by <b>{props.session.owner}</b> — read-only
          </span>
          <span class="spacer" />
          <button type="button" class="btn small" onClick={() => void copyText()}>
            <Copy size={15} aria-hidden="true" /> Copy text
          </button>
          <Show when={(projects() ?? []).length > 1}>
            <label class="sr-only" for="fork-project">
              Project to fork into
            </label>
            <select
              id="fork-project"
              class="picker"
              value={target() || projects()?.[0]?.id}
              onChange={(e) => setTarget(e.currentTarget.value)}
            >
              <For each={projects()}>{(p) => <option value={p.id}>{p.name}</option>}</For>
            </select>
          </Show>
          <button
            type="button"
            class="btn primary small"
            disabled={forking() || (projects() !== undefined && projects()?.length === 0)}
            title={projects()?.length === 0 ? "Create a project first" : undefined}
            onClick={() => void fork()}
          >
            <GitFork size={15} aria-hidden="true" /> Fork into my project
          </button>
        </div>
      </Show>
      <Show when={note()}>
        <div class="note small" role="status">
          {note()}
        </div>
      </Show>
      <Show
        when={!live.ended()}
        fallback={
          <div class="shared-ended empty" role="alert">
            <h2>No longer shared with you</h2>
            <p class="muted">{props.session.owner} stopped sharing this conversation.</p>
            <A href="/shared">Shared with me</A>
          </div>
        }
      >
        <div class="chat shared-chat">
          <div class="chat-main">
            <div class="session-pane">
              <Timeline
                state={s()}
                onRetry={() => undefined}
                onDiscard={() => undefined}
                empty={<p class="muted pad">Nothing in this conversation yet.</p>}
              />
              <div class="chat-status" aria-live="polite">
                <Show
                  when={s().working}
                  fallback={
                    <span class="activity idle">
                      <span class="dot" aria-hidden="true" /> Idle
                    </span>
                  }
                >
                  <span class="activity working">
                    <span class="dot" aria-hidden="true" /> Writing…
                  </span>
                </Show>
                <Show when={s().closed === "deleted"}>
                  <span class="muted small">This conversation was deleted.</span>
                </Show>
              </div>
            </div>
          </div>
        </div>
      </Show>
    </div>
  );
}

import { useSearchParams } from "@solidjs/router";
import PanelLeft from "lucide-solid/icons/panel-left";
import {
  createEffect,
  createMemo,
  createResource,
  createSignal,
  on,
  onCleanup,
  onMount,
  Show,
} from "solid-js";
import * as v from "valibot";
import { ForkResult } from "../../../src/protocol/agent-commands.ts";
import type { Session } from "../../../src/protocol/projects.ts";
import { listModels } from "../api/models-api.ts";
import type { MuxClient } from "../api/mux-client.ts";
import { onShortcut } from "../shell/shortcuts.ts";
import { getSession, listSessions } from "./chat-api.ts";
import { patchSession, removeSession, sessionLabel, sortSessions, upsertSession } from "./chat-sessions.ts";
import { SessionList } from "./SessionList.tsx";
import { SessionPane } from "./SessionPane.tsx";
import "./chat.css";
import "./timeline.css";
import "./tool-card.css";
import "./composer.css";
import "./code.css";
import "./phone.css";

/**
 * The Chat tab: the project's conversations beside the open one (a drawer on phones). The open
 * conversation is in the URL (`?session=ses_…`), so a reload or a shared link opens it again; someone
 * else's session id is answered "not found", like a missing one.
 */
export default function ChatView(props: { projectId: string; mux: MuxClient; showing: boolean }) {
  let root!: HTMLDivElement;
  let composer: HTMLTextAreaElement | undefined;
  let stop: (() => void) | undefined;
  const [params, setParams] = useSearchParams<{ session?: string; draft?: string }>();
  const [sessions, setSessions] = createSignal<Session[]>([]);
  const [loadError, setLoadError] = createSignal<string | null>(null);
  const [drawer, setDrawer] = createSignal(false);
  const [creating, setCreating] = createSignal(false);
  const [createError, setCreateError] = createSignal<string | null>(null);
  const [models] = createResource(async () => {
    const r = await listModels();
    return r.ok ? r.value : undefined;
  });

  const reload = async () => {
    const r = await listSessions(props.projectId);
    if (r.ok) setSessions(sortSessions(r.value.sessions));
    setLoadError(r.ok ? null : r.error.message);
  };
  void reload();

  // The URL's session, checked with the server (owner only) before it is opened. It follows the URL
  // only while this tab shows: another tab's URL has no `?session=`, and the conversation stays open
  // behind it, with its draft and scroll position.
  const selectedId = createMemo<string | null>(
    (kept) => (props.showing ? (params.session ?? null) : kept),
    params.session ?? null,
  );
  const [opened] = createResource(selectedId, async (id) => {
    const r = await getSession(id);
    if (r.ok && r.value.session.project_id !== props.projectId) return { error: "not_found" as const };
    return r.ok ? { session: r.value.session } : { error: r.error.code, message: r.error.message };
  });

  const select = (id: string | null) => {
    setParams({ session: id ?? undefined });
    setDrawer(false);
  };
  const newSession = async () => {
    if (creating()) return;
    setCreating(true);
    setCreateError(null);
    const r = await props.mux.request("agent", "session.create", { project_id: props.projectId });
    setCreating(false);
    if (!r.ok) return setCreateError(`Could not start a conversation: ${r.error.message}`);
    const id = (r.data as { session_id: string }).session_id;
    const got = await getSession(id);
    if (got.ok) setSessions((l) => upsertSession(l, got.value.session));
    select(id);
    queueMicrotask(() => composer?.focus());
  };
  // A fork opens with the forked message in its composer, to edit and send; taken once.
  const drafts = new Map<string, string>();
  const fork = async (fromId: string, messageId: string) => {
    const r = await props.mux.request("agent", "fork", { session_id: fromId, message_id: messageId });
    if (!r.ok) return r.error.message;
    const data = v.safeParse(ForkResult, r.data);
    if (!data.success) return "unexpected answer from the server";
    const { session_id, text } = data.output;
    const got = await getSession(session_id);
    if (got.ok) setSessions((l) => upsertSession(l, got.value.session));
    drafts.set(session_id, text);
    select(session_id);
    return null;
  };
  // A draft handed over in the URL with its session (the Tasks tab's "Start a conversation on this
  // task"): kept like a fork's, and dropped from the URL so a reload does not bring it back.
  createEffect(() => {
    const { session, draft } = params;
    if (!session || !draft) return;
    drafts.set(session, draft);
    setParams({ draft: undefined }, { replace: true });
  });
  const takeDraft = (id: string) => {
    const text = drafts.get(id);
    drafts.delete(id);
    return text;
  };
  const rename = async (id: string, name: string) => {
    const r = await props.mux.request("agent", "set_session_name", { session_id: id, name });
    if (!r.ok) return r.error.message;
    setSessions((l) => patchSession(l, id, { title: name }));
    return null;
  };
  const remove = async (id: string) => {
    const r = await props.mux.request("agent", "session.delete", { session_id: id });
    if (!r.ok) return r.error.message;
    setSessions((l) => removeSession(l, id));
    if (selectedId() === id) select(null);
    return null;
  };

  // Shortcuts act only while the Chat tab is the one showing.
  const visible = () => root?.offsetParent !== null;
  onShortcut("new", () => visible() && void newSession());
  onShortcut("focus", () => visible() && composer?.focus());
  onShortcut("stop", () => visible() && stop?.());

  // The chat fills the screen below the tabs (and above the phone's keyboard and bottom bar), less
  // the room the page keeps below it (its containers' bottom padding), so the page itself never scrolls.
  const fit = () => {
    if (!root || !visible()) return;
    const vv = window.visualViewport;
    const bar = document.querySelector<HTMLElement>(".bottom-bar");
    const overBar = bar && getComputedStyle(bar).display !== "none" ? bar.offsetHeight + 8 : 8;
    const top = root.getBoundingClientRect().top + window.scrollY;
    const height = (vv?.height ?? window.innerHeight) - top - Math.max(overBar, spaceBelow(root));
    root.style.height = `${Math.max(320, Math.floor(height))}px`;
  };
  onMount(() => {
    fit();
    const ro = new ResizeObserver(fit);
    ro.observe(document.body);
    window.visualViewport?.addEventListener("resize", fit);
    onCleanup(() => {
      ro.disconnect();
      window.visualViewport?.removeEventListener("resize", fit);
    });
  });
  createEffect(
    on(
      () => props.showing,
      (s) => s && fit(),
      { defer: true },
    ),
  );

  const title = () => {
    const id = selectedId();
    return id ? sessionLabel(sessions().find((s) => s.id === id)) : "Conversations";
  };

  return (
    <div class="chat" ref={root} data-drawer={drawer() ? "open" : "closed"}>
      <div class="chat-side">
        <SessionList
          projectId={props.projectId}
          sessions={sessions()}
          loadError={loadError()}
          selected={selectedId()}
          creating={creating()}
          onSelect={select}
          onNew={() => void newSession()}
          onRename={rename}
          onDelete={remove}
        />
      </div>
      <button
        type="button"
        class="chat-scrim"
        aria-label="Close conversations"
        tabIndex={-1}
        onClick={() => setDrawer(false)}
      />
      <div class="chat-main">
        <header class="chat-head">
          <button
            type="button"
            class="btn ghost icon drawer-toggle"
            aria-label="Conversations"
            aria-expanded={drawer()}
            onClick={() => setDrawer(!drawer())}
          >
            <PanelLeft size={18} />
          </button>
          <h2 class="chat-title" title={title()}>
            {title()}
          </h2>
        </header>
        <Show when={createError()}>
          <div class="note error small" role="alert">
            {createError()}
          </div>
        </Show>
        <Show
          when={selectedId()}
          fallback={
            <div class="chat-empty">
              <h2>Start a conversation</h2>
              <p class="muted">The agent works in this project's files, inside its sandbox.</p>
              <button
                type="button"
                class="btn primary"
                onClick={() => void newSession()}
                disabled={creating()}
              >
                {creating() ? "Starting…" : "New conversation"}
              </button>
              <p class="muted small">
                Shortcuts: <kbd>n</kbd> new, <kbd>/</kbd> message box, <kbd>Esc</kbd> stop.
              </p>
            </div>
          }
        >
          <Show
            when={opened()}
            fallback={
              <p class="muted pad" role="status">
                Opening…
              </p>
            }
          >
            {(o) => (
              <Show
                when={"session" in o() && o()}
                keyed
                fallback={
                  <div class="chat-empty" role="alert">
                    <h2>
                      {"error" in o() && o().error === "not_found"
                        ? "Conversation not found"
                        : "Cannot open this conversation"}
                    </h2>
                    <p class="muted">
                      {"error" in o() && o().error === "not_found"
                        ? "It does not exist, or it is not yours."
                        : ((o() as { message?: string }).message ?? "")}
                    </p>
                  </div>
                }
              >
                {(ok) => {
                  const session = (ok as { session: Session }).session;
                  const draft = takeDraft(session.id);
                  return (
                    <SessionPane
                      sessionId={session.id}
                      mux={props.mux}
                      models={models()}
                      initialModel={session.model}
                      draft={draft}
                      onFork={(messageId) => fork(session.id, messageId)}
                      onTitle={(t) => setSessions((l) => patchSession(l, session.id, { title: t }))}
                      composerRef={(el) => {
                        composer = el;
                      }}
                      registerStop={(fn) => {
                        stop = fn;
                      }}
                    />
                  );
                }}
              </Show>
            )}
          </Show>
        </Show>
      </div>
    </div>
  );
}

/** Room the page keeps below an element: the bottom margins, borders and padding of it and its containers. */
function spaceBelow(el: HTMLElement): number {
  let room = 0;
  for (let n: HTMLElement | null = el; n && n !== document.documentElement; n = n.parentElement) {
    const style = getComputedStyle(n);
    room += Number.parseFloat(style.marginBottom) || 0;
    if (n !== el)
      room +=
        (Number.parseFloat(style.paddingBottom) || 0) + (Number.parseFloat(style.borderBottomWidth) || 0);
  }
  return room;
}

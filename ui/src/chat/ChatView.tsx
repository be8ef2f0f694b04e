import { useSearchParams } from "@solidjs/router";
import PanelLeft from "lucide-solid/icons/panel-left";
import Share2 from "lucide-solid/icons/share-2";
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
import type { ImagePart } from "../../../src/protocol/agent.ts";
import { ForkResult } from "../../../src/protocol/agent-commands.ts";
import type { Session } from "../../../src/protocol/projects.ts";
import { listModels } from "../api/models-api.ts";
import type { MuxClient } from "../api/mux-client.ts";
import { reportFocus } from "../notifications/live.ts";
import { canWrite, isOwner, useProjectShare } from "../sharing/project-share.ts";
import { ShareDialog } from "../sharing/ShareDialog.tsx";
import { onShortcut } from "../shell/shortcuts.ts";
import { agentStarted } from "./agent-started.ts";
import { getSession, listSessions } from "./chat-api.ts";
import { clientId } from "./chat-composer.ts";
import { patchSession, removeSession, sessionLabel, sortSessions, upsertSession } from "./chat-sessions.ts";
import { NewConversation } from "./NewConversation.tsx";
import { SessionList } from "./SessionList.tsx";
import { SessionPane } from "./SessionPane.tsx";
import "./chat.css";
import "./timeline.css";
import "./tool-card.css";
import "./composer.css";
import "./code.css";
import "./phone.css";
import { LinkedText } from "../components/LinkedText.tsx";

/**
 * The Chat tab: the project's conversations beside the open one (a drawer on phones). The open
 * conversation is in the URL (`?session=ses_…`), so a reload or a shared link opens it again; someone
 * else's session id is answered "not found", like a missing one.
 */
const random = () => Math.random().toString(36).slice(2) + Math.random().toString(36).slice(2);

export default function ChatView(props: { projectId: string; mux: MuxClient; showing: boolean }) {
  const shared = useProjectShare();
  let root!: HTMLDivElement;
  let composer: HTMLTextAreaElement | undefined;
  let stop: (() => void) | undefined;
  const [params, setParams] = useSearchParams<{ session?: string; draft?: string; msg?: string }>();
  const [sessions, setSessions] = createSignal<Session[]>([]);
  const [loadError, setLoadError] = createSignal<string | null>(null);
  const [drawer, setDrawer] = createSignal(false);
  const [creating, setCreating] = createSignal(false);
  const [createError, setCreateError] = createSignal<string | null>(null);
  const [sharing, setSharing] = createSignal(false);
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
  // The server pushes nothing about the conversation this tab shows while it is visible.
  createEffect(() => reportFocus(props.showing ? selectedId() : null));
  onCleanup(() => reportFocus(null));
  const [opened] = createResource(selectedId, async (id) => {
    const r = await getSession(id);
    if (r.ok && r.value.session.project_id !== props.projectId) return { error: "not_found" as const };
    return r.ok ? { session: r.value.session } : { error: r.error.code, message: r.error.message };
  });

  const select = (id: string | null) => {
    setParams({ session: id ?? undefined });
    setDrawer(false);
  };
  // "New conversation" only opens an empty box: the conversation is created by its first message.
  const newSession = () => {
    select(null);
    queueMicrotask(() => composer?.focus());
  };
  const started = new Set<string>();
  const startConversation = async (text: string, images: ImagePart[]): Promise<string | null> => {
    if (creating()) return "Already starting a conversation.";
    setCreating(true);
    setCreateError(null);
    try {
      const r = await props.mux.request("agent", "session.create", { project_id: props.projectId });
      if (!r.ok) return `Could not start a conversation: ${r.error.message}`;
      const id = (r.data as { session_id: string }).session_id;
      // The agent answers its first state once it runs; a prompt sent before that would wait on a
      // booting agent past the server's command timeout on a loaded machine.
      await agentStarted(props.mux, id);
      const sent = await props.mux.request("agent", "prompt", {
        session_id: id,
        message: text,
        client_id: clientId(random, Date.now()),
        ...(images.length ? { images } : {}),
      });
      if (!sent.ok) {
        // A conversation whose first message failed is not kept: no empty rows pile up.
        await props.mux.request("agent", "session.delete", { session_id: id });
        return `Could not send: ${sent.error.message}`;
      }
      const got = await getSession(id);
      if (got.ok) setSessions((l) => upsertSession(l, got.value.session));
      started.add(id);
      select(id);
      return null;
    } finally {
      setCreating(false);
    }
  };
  // A fork opens with the forked message (text and images) in its composer, to edit and send; taken once.
  const drafts = new Map<string, { text: string; images?: ImagePart[] }>();
  const fork = async (fromId: string, messageId: string) => {
    const r = await props.mux.request("agent", "fork", { session_id: fromId, message_id: messageId });
    if (!r.ok) return r.error.message;
    const data = v.safeParse(ForkResult, r.data);
    if (!data.success) return "unexpected answer from the server";
    const { session_id, text, images } = data.output;
    const got = await getSession(session_id);
    if (got.ok) setSessions((l) => upsertSession(l, got.value.session));
    drafts.set(session_id, { text, ...(images?.length ? { images } : {}) });
    select(session_id);
    return null;
  };
  // A draft handed over in the URL with its session (the Tasks tab's "Start a conversation on this
  // task"): kept like a fork's, and dropped from the URL so a reload does not bring it back.
  createEffect(() => {
    const { session, draft } = params;
    if (!session || !draft) return;
    drafts.set(session, { text: draft });
    setParams({ draft: undefined }, { replace: true });
  });
  const takeDraft = (id: string) => {
    const draft = drafts.get(id);
    drafts.delete(id);
    return draft;
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
  onShortcut("new", () => visible() && newSession());
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
  // On a phone, the headers above the conversation yield their room while the reader scrolls down
  // through it, and come back on the way up or at its top. Only the reader's own gestures count
  // (wheel, touch): the view also scrolls by itself (following a reply, loading earlier messages).
  const phone = window.matchMedia("(max-width: 767px)");
  const yieldHeaders = (on: boolean) => {
    const html = document.documentElement;
    if ((html.dataset.chatYield === "true") === on) return;
    if (on) html.dataset.chatYield = "true";
    else delete html.dataset.chatYield;
    queueMicrotask(fit);
  };
  const inTimeline = (e: Event) => (e.target as Element | null)?.closest?.(".timeline") ?? null;
  const reader = (down: boolean, e: Event) => {
    const timeline = inTimeline(e);
    if (!timeline || !phone.matches) return;
    // (A gesture comes before the scroll it causes: where the view is now says nothing of where it goes.)
    if (!down) yieldHeaders(false);
    else if (timeline.scrollHeight > timeline.clientHeight + 200) yieldHeaders(true);
  };
  let touchY: number | null = null;
  const onWheel = (e: WheelEvent) => Math.abs(e.deltaY) > 4 && reader(e.deltaY > 0, e);
  const onTouchStart = (e: TouchEvent) => {
    touchY = e.touches[0]?.clientY ?? null;
  };
  const onTouchMove = (e: TouchEvent) => {
    const y = e.touches[0]?.clientY;
    if (touchY === null || y === undefined || Math.abs(touchY - y) < 12) return;
    reader(touchY > y, e);
    touchY = y;
  };
  const onScroll = (e: Event) => {
    const t = e.target as HTMLElement;
    if (t.classList?.contains("timeline") && t.scrollTop < 2) yieldHeaders(false);
  };
  onCleanup(() => yieldHeaders(false));
  createEffect(
    on(
      () => props.showing,
      (s) => !s && yieldHeaders(false),
      { defer: true },
    ),
  );

  onMount(() => {
    root.addEventListener("scroll", onScroll, { capture: true, passive: true });
    root.addEventListener("wheel", onWheel, { passive: true });
    root.addEventListener("touchstart", onTouchStart, { passive: true });
    root.addEventListener("touchmove", onTouchMove, { passive: true });
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
    return id ? sessionLabel(sessions().find((s) => s.id === id)) : "New conversation";
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
          onNew={newSession}
          onRename={rename}
          onDelete={remove}
          access={{ write: canWrite(shared()), owner: isOwner(shared()) }}
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
          {/* Only the conversation's owner shares it (a project's members cannot). */}
          <Show when={isOwner(shared()) && selectedId()}>
            {(id) => (
              <>
                <button
                  type="button"
                  class="btn ghost small share-button"
                  aria-label="Share"
                  title="Share this conversation (read-only)"
                  onClick={() => setSharing(true)}
                >
                  <Share2 size={16} aria-hidden="true" />
                  <span class="share-label">Share</span>
                </button>
                <ShareDialog sessionId={id()} open={sharing()} onOpenChange={setSharing} />
              </>
            )}
          </Show>
        </header>
        <Show when={createError()}>
          <div class="note error small" role="alert">
            <LinkedText text={createError() ?? ""} />
          </div>
        </Show>
        <Show
          when={selectedId()}
          fallback={
            <Show
              when={canWrite(shared())}
              fallback={
                <div class="chat-empty" data-testid="read-only">
                  <h2>Shared with you to read</h2>
                  <p class="muted">
                    You are a viewer of this project: open a conversation to follow it live. Editors and the
                    owner start new ones.
                  </p>
                </div>
              }
            >
              <NewConversation
                projectId={props.projectId}
                onStart={startConversation}
                composerRef={(el) => {
                  composer = el;
                }}
              />
            </Show>
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
                      projectId={session.project_id}
                      anchor={params.msg}
                      mux={props.mux}
                      models={models()}
                      initialModel={session.model}
                      draft={draft}
                      agentDown={session.status !== "ready"}
                      justStarted={started.delete(session.id)}
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

import { type Accessor, createSignal } from "solid-js";
import type { ImagePart, ThinkingLevel } from "../../../src/protocol/agent.ts";
import type { AgentEventFrame } from "../../../src/protocol/mux.ts";
import type { MuxClient, MuxResult } from "../api/mux-client.ts";
import { clientId } from "./chat-composer.ts";
import {
  applyFrames,
  type ChatState,
  dismissToast,
  dropPending,
  type HistoryOpening,
  type HistoryPage,
  initialChat,
  localSend,
  openAt,
  prependOlder,
  resubscribed,
  type SendKind,
  sendFailed,
} from "./chat-state.ts";

/**
 * One open session: the pure chat reducer fed by the tab's mux subscription, and the commands the
 * view sends. A session opens at its last page (`session.history`), older pages load on request.
 * Frames are applied in batches, once per animation frame, so a fast stream costs one
 * render per frame, not one per token. The subscription resumes after a reconnect from the reducer's
 * `lastSeq` (frames still waiting in the batch are applied first, so nothing is asked for twice).
 */
export interface LiveSession {
  readonly id: string;
  state: Accessor<ChatState>;
  /** Why the server ended this watch (`access_revoked`), or null while it is live. */
  ended: Accessor<string | null>;
  /** Resolves with null when the server took it, else the refusal (`busy` included). */
  send(
    kind: SendKind,
    text: string,
    images?: ImagePart[],
    retryOf?: string,
  ): Promise<{ code: string; message: string } | null>;
  /** Send a failed message again with the same client id: the server runs it at most once. */
  retry(clientId: string): void;
  discard(clientId: string): void;
  command(cmd: string, body?: Record<string, unknown>): Promise<MuxResult>;
  abort(): Promise<MuxResult>;
  answer(requestId: string, answer: { value: string } | { confirmed: boolean } | { cancelled: true }): void;
  setThinking(level: ThinkingLevel): Promise<MuxResult>;
  dismissToast(seq: number): void;
  /** Load the page of messages before the oldest one loaded (scrolled to the top); once at a time. */
  loadOlder(): Promise<void>;
  dispose(): void;
}

/** Messages in the page a session opens at, and in each older page loaded on scroll. */
export const HISTORY_PAGE = 40;

const random = () => Math.random().toString(36).slice(2) + Math.random().toString(36).slice(2);

export function openLiveSession(mux: MuxClient, sessionId: string): LiveSession {
  const [state, setState] = createSignal<ChatState>(initialChat(sessionId));
  const [ended, setEnded] = createSignal<string | null>(null);
  let queue: AgentEventFrame[] = [];
  let scheduled = false;
  const texts = new Map<string, { kind: SendKind; text: string; images?: ImagePart[] }>();

  const flush = () => {
    scheduled = false;
    if (queue.length === 0) return;
    const batch = queue;
    queue = [];
    const next = applyFrames(state(), batch);
    if (next.resync) {
      // Frames were lost on the way: ask the server again from the last one applied.
      setState(resubscribed(next));
      mux.resubscribe(sessionId);
    } else setState(next);
  };
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    if (document.visibilityState === "hidden") setTimeout(flush, 50);
    else requestAnimationFrame(flush);
  };

  // Opened at its end: the last page as final messages and the state before it, then the events
  // after it (a long session is not replayed from its first event). Failing that, from the start.
  let unsubscribe = () => {};
  let disposed = false;
  const follow = () => {
    if (disposed) return;
    unsubscribe = mux.subscribe(sessionId, {
      afterSeq: () => {
        flush();
        return state().lastSeq;
      },
      onEvent: (frame) => {
        queue.push(frame);
        schedule();
      },
      onEnded: (reason) => {
        flush();
        setEnded(reason);
        setState((s) => ({ ...s, accessEnded: true }));
      },
    });
  };
  void mux.request("agent", "session.history", { session_id: sessionId, limit: HISTORY_PAGE }).then((r) => {
    if (r.ok && !disposed) setState((s) => openAt(s, r.data as HistoryOpening));
    follow();
  });

  let loading: Promise<void> | null = null;
  const loadOlder = () => {
    const before = state().olderBefore;
    if (loading || before === null) return loading ?? Promise.resolve();
    loading = mux
      .request("agent", "session.history", { session_id: sessionId, before_seq: before, limit: HISTORY_PAGE })
      .then((r) => {
        if (r.ok && !disposed && state().olderBefore === before)
          setState((s) => prependOlder(s, r.data as HistoryPage));
      })
      .finally(() => {
        loading = null;
      });
    return loading;
  };

  const command = (cmd: string, body: Record<string, unknown> = {}) =>
    mux.request("agent", cmd, { ...body, session_id: sessionId });

  return {
    id: sessionId,
    state,
    ended,
    async send(kind, text, images, retryOf) {
      const id = retryOf ?? clientId(random, Date.now());
      texts.set(id, { kind, text, ...(images?.length ? { images } : {}) });
      setState((s) => localSend(dropPending(s, id), { client_id: id, kind, text }));
      const r = await command(kind, {
        message: text,
        client_id: id,
        ...(images?.length ? { images } : {}),
      });
      if (!r.ok) {
        if (r.error.code === "busy") setState((s) => dropPending(s, id));
        else setState((s) => sendFailed(s, id, r.error.message));
        return r.error;
      }
      // Steering and follow-ups wait in the agent's queue (shown from `agent.queue`), not as a bubble.
      if (kind !== "prompt") setState((s) => dropPending(s, id));
      return null;
    },
    retry(id) {
      const t = texts.get(id);
      if (t) void this.send(t.kind, t.text, t.images, id);
    },
    discard(id) {
      setState((s) => dropPending(s, id));
      texts.delete(id);
    },
    command,
    abort: () => command("abort"),
    answer(requestId, answer) {
      void command("input_response", { request_id: requestId, ...answer });
    },
    setThinking: (level) => command("set_thinking_level", { level }),
    dismissToast: (seq) => setState((s) => dismissToast(s, seq)),
    loadOlder,
    dispose() {
      disposed = true;
      unsubscribe();
      queue = [];
    },
  };
}

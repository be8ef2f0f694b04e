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
  initialChat,
  localSend,
  resubscribed,
  type SendKind,
  sendFailed,
} from "./chat-state.ts";

/**
 * One open session: the pure chat reducer fed by the tab's mux subscription, and the commands the
 * view sends. Frames are applied in batches, once per animation frame, so a fast stream costs one
 * render per frame, not one per token. The subscription resumes after a reconnect from the reducer's
 * `lastSeq` (frames still waiting in the batch are applied first, so nothing is asked for twice).
 */
export interface LiveSession {
  readonly id: string;
  state: Accessor<ChatState>;
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
  dispose(): void;
}

const random = () => Math.random().toString(36).slice(2) + Math.random().toString(36).slice(2);

export function openLiveSession(mux: MuxClient, sessionId: string): LiveSession {
  const [state, setState] = createSignal<ChatState>(initialChat(sessionId));
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

  const unsubscribe = mux.subscribe(sessionId, {
    afterSeq: () => {
      flush();
      return state().lastSeq;
    },
    onEvent: (frame) => {
      queue.push(frame);
      schedule();
    },
    onEnded: () => setState((s) => ({ ...s, accessEnded: true })),
  });

  const command = (cmd: string, body: Record<string, unknown> = {}) =>
    mux.request("agent", cmd, { ...body, session_id: sessionId });

  return {
    id: sessionId,
    state,
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
    dispose() {
      unsubscribe();
      queue = [];
    },
  };
}

import type { SessionRef, StoredEvent } from "../history/store.ts";
import type { AgentEvent } from "../protocol/agent-events.ts";
import type { NotifyInput } from "./service.ts";

interface Turn {
  working: boolean;
  /** The turn's last error, if it ended in one. */
  error: string | null;
  /** The text of the turn's last assistant message, and its id. */
  reply: string;
  replyId: string | null;
}

export interface TurnWatchDeps {
  notify(userId: string, input: NotifyInput): void;
  /** "Title · Project" of a session, or null when it is gone. */
  describe(sessionId: string): string | null;
  /** Whether the stored events before `seq` show a turn that began and has not ended (after a restart). */
  wasWorking(userId: string, sessionId: string, beforeSeq: number): boolean;
}

const snippet = (s: string, max = 160) => {
  const one = s.replace(/\s+/g, " ").trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
};

/**
 * Reads turn ends off the stored event stream (SessionHub observer), so they are noticed whether or
 * not a browser is attached: `agent.working` … `agent.idle` is a turn; an `agent.error` before its
 * idle makes it failed; `agent.input_needed` waits for the person. Each points at its own event.
 */
export class TurnWatcher {
  private readonly turns = new Map<string, Turn>();

  constructor(private readonly deps: TurnWatchDeps) {}

  observe = (
    userId: string,
    session: SessionRef,
    events: readonly AgentEvent[],
    stored: readonly StoredEvent[],
  ) => {
    for (let i = 0; i < events.length; i++) {
      const e = events[i] as AgentEvent;
      const seq = (stored[i] as StoredEvent).seq;
      switch (e.event) {
        case "agent.working":
          this.turn(session.id).working = true;
          break;
        case "stream.message_end":
          if (e.message.role === "assistant") {
            const text = e.message.parts.flatMap((p) => (p.type === "text" ? [p.text] : [])).join(" ");
            const t = this.turn(session.id);
            t.replyId = e.message.id;
            if (text.trim()) t.reply = text;
          }
          break;
        case "agent.error":
          if (e.recoverable) this.turn(session.id).error = e.error.message;
          else this.end(userId, session, seq, e.error.message);
          break;
        case "agent.idle": {
          const t = this.turns.get(session.id);
          const began = t ? t.working : this.deps.wasWorking(userId, session.id, seq);
          if (began) this.end(userId, session, seq, t?.error ?? null);
          else this.turns.delete(session.id);
          break;
        }
        case "agent.input_needed": {
          const where = this.deps.describe(session.id);
          if (where === null) break;
          this.deps.notify(userId, {
            kind: "turn.input_needed",
            title: `Waiting for you: ${where}`,
            body: snippet([e.request.title, e.request.message].filter(Boolean).join(" — ")),
            project_id: session.project_id,
            session_id: session.id,
            seq,
          });
          break;
        }
        case "session.closed":
          this.turns.delete(session.id);
          break;
      }
    }
  };

  private turn(sessionId: string): Turn {
    let t = this.turns.get(sessionId);
    if (!t) {
      t = { working: false, error: null, reply: "", replyId: null };
      this.turns.set(sessionId, t);
    }
    return t;
  }

  private end(userId: string, session: SessionRef, seq: number, error: string | null): void {
    const reply = this.turns.get(session.id)?.reply ?? "";
    const replyId = this.turns.get(session.id)?.replyId ?? null;
    // Known idle: the `agent.idle` that may follow a fatal error does not end the turn again.
    this.turns.set(session.id, { working: false, error: null, reply: "", replyId: null });
    const where = this.deps.describe(session.id);
    if (where === null) return;
    this.deps.notify(
      userId,
      error === null
        ? {
            kind: "turn.finished",
            title: `Reply ready: ${where}`,
            body: snippet(reply),
            project_id: session.project_id,
            session_id: session.id,
            seq,
            ...(replyId ? { message_id: replyId } : {}),
          }
        : {
            kind: "turn.failed",
            title: `Turn failed: ${where}`,
            body: snippet(error),
            project_id: session.project_id,
            session_id: session.id,
            seq,
          },
    );
  }
}

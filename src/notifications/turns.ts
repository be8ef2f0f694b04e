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
  /** Who sent a message in this turn (`message.author`): the people waiting for it. */
  askers: Set<string>;
}

export interface TurnWatchDeps {
  notify(userId: string, input: NotifyInput): void;
  /** "Title · Project" of a session, or null when it is gone. */
  describe(sessionId: string): string | null;
  /** Whether the stored events before `seq` show a turn that began and has not ended (after a restart). */
  wasWorking(userId: string, sessionId: string, beforeSeq: number): boolean;
  /**
   * Who to tell when no message of the turn named its sender (a turn begun before a restart): the
   * conversation's creator in a shared project, else null (the owner).
   */
  creatorOf?(sessionId: string): string | null;
  /** Whether a person can still open the conversation (a member removed since is not told). */
  canOpen?(userId: string, sessionId: string): boolean;
}

const snippet = (s: string, max = 160) => {
  const one = s.replace(/\s+/g, " ").trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
};

/**
 * Reads turn ends off the stored event stream (SessionHub observer), so they are noticed whether or
 * not a browser is attached: `agent.working` … `agent.idle` is a turn; an `agent.error` before its
 * idle makes it failed; `agent.input_needed` waits for the person. Each points at its own event.
 * In a shared project the people told are those who sent a message in the turn (decision 0030's
 * `message.author`), not the owner of the history: a member's own conversation notifies the member.
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
        case "message.author":
          this.turn(session.id).askers.add(e.user_id);
          break;
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
          const input: NotifyInput = {
            kind: "turn.input_needed",
            title: `Waiting for you: ${where}`,
            body: snippet([e.request.title, e.request.message].filter(Boolean).join(" — ")),
            project_id: session.project_id,
            session_id: session.id,
            seq,
          };
          for (const who of this.recipients(userId, session.id, this.turns.get(session.id)?.askers))
            this.deps.notify(who, input);
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
      t = { working: false, error: null, reply: "", replyId: null, askers: new Set() };
      this.turns.set(sessionId, t);
    }
    return t;
  }

  /** The askers who can still open it; else the conversation's creator; else the history's owner. */
  private recipients(owner: string, sessionId: string, askers: ReadonlySet<string> | undefined): string[] {
    const canOpen = (who: string) => who === owner || (this.deps.canOpen?.(who, sessionId) ?? false);
    const told = [...(askers ?? [])].filter(canOpen);
    if (told.length > 0) return told;
    const creator = this.deps.creatorOf?.(sessionId) ?? null;
    return [creator && canOpen(creator) ? creator : owner];
  }

  private end(userId: string, session: SessionRef, seq: number, error: string | null): void {
    const ended = this.turns.get(session.id);
    const reply = ended?.reply ?? "";
    const replyId = ended?.replyId ?? null;
    // Known idle: the `agent.idle` that may follow a fatal error does not end the turn again.
    this.turns.set(session.id, { working: false, error: null, reply: "", replyId: null, askers: new Set() });
    const where = this.deps.describe(session.id);
    if (where === null) return;
    const input: NotifyInput =
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
          };
    for (const who of this.recipients(userId, session.id, ended?.askers)) this.deps.notify(who, input);
  }
}

import type { AgentEvent } from "../protocol/agent-events.ts";
import type { Message } from "../protocol/agent-message.ts";
import { fail, ok, type Result } from "../protocol/errors.ts";
import {
  type EventRow,
  type HistoryRepo,
  historyRepo,
  openHistoryDb,
  type SearchHitRow,
  type SourceRow,
} from "../storage/history/repo.ts";

/** A stored event: `body` is the event's own JSON (`{"event":…}`), spliced into frames without re-encoding. */
export type StoredEvent = EventRow;

/** A position in a runner process's event stream. */
export type Source = SourceRow;

/** Which session (and its project, for search scoping) an append belongs to. */
export interface SessionRef {
  id: string;
  project_id: string;
}

export type SearchHit = SearchHitRow;

/**
 * One user's history: every canonical event with its per-session, gap-free `seq`, the final messages
 * (with FTS5 over their text) and the prompt `client_id`s already accepted. The SQL is in
 * `src/storage/history/`; this is what the numbers and the messages mean.
 *
 * The server is the only writer, so `seq` is allocated here from an in-memory counter seeded from the
 * table; `append` writes a batch in one transaction and only then returns the numbers to fan out.
 */
export class HistoryStore {
  private readonly lastSeq = new Map<string, number>();

  private constructor(private readonly repo: HistoryRepo) {}

  static open(path: string): Result<HistoryStore> {
    const db = openHistoryDb(path);
    return db.ok ? ok(new HistoryStore(historyRepo(db.value))) : db;
  }

  currentSeq(sessionId: string): number {
    const cached = this.lastSeq.get(sessionId);
    if (cached !== undefined) return cached;
    const seq = this.repo.maxSeq(sessionId);
    this.lastSeq.set(sessionId, seq);
    return seq;
  }

  /** Transactions committed by `append`/`appendMany` since the store was opened (benches read it). */
  commits = 0;
  /** Events those transactions stored. */
  eventsStored = 0;

  /**
   * Store events in order, in one transaction; returns them numbered, ready to send.
   * `source` records how far into a runner process's event stream this batch reaches, in the same
   * transaction, so a replay from the runner after a crash is recognised and skipped (exactly once).
   */
  append(
    session: SessionRef,
    events: readonly AgentEvent[],
    now = Date.now(),
    source?: Source,
  ): StoredEvent[] {
    return this.appendMany([{ session, events, ...(source ? { source } : {}) }], now)[0] ?? [];
  }

  /**
   * Several batches (of any sessions, the same one more than once) in ONE transaction, in order:
   * each is numbered after the one before it of its session. All are stored, or none (and then no
   * number is used up). Returns each batch's stored events, in the order given.
   */
  appendMany(batches: readonly AppendBatch[], now = Date.now()): StoredEvent[][] {
    const last = new Map<string, number>();
    const numbered = batches.map(({ session, events }) => {
      const first = (last.get(session.id) ?? this.currentSeq(session.id)) + 1;
      if (events.length > 0) last.set(session.id, first + events.length - 1);
      return events.map((event, i) => ({ seq: first + i, ts: now, body: JSON.stringify(event), event }));
    });
    if (last.size === 0) return numbered.map(() => []);
    this.repo.transaction(() => {
      batches.forEach(({ session, source }, b) => {
        const stored = numbered[b] ?? [];
        if (stored.length === 0) return;
        for (const s of stored) {
          this.repo.insertEvent(session.id, { seq: s.seq, ts: s.ts, type: s.event.event, body: s.body });
          if (s.event.event === "stream.message_end") this.putMessage(session, s.event.message, s.seq);
        }
        if (source) this.repo.putSource(session.id, source);
      });
    });
    this.commits++;
    for (const stored of numbered) this.eventsStored += stored.length;
    // Only after the commit: a failed transaction must not leave a hole in the numbering.
    for (const [id, seq] of last) this.lastSeq.set(id, seq);
    return numbered.map((stored) => stored.map(({ seq, ts, body }) => ({ seq, ts, body })));
  }

  /** The last runner event stored for a session, if any. */
  source(sessionId: string): Source | null {
    return this.repo.source(sessionId);
  }

  /**
   * The session's last turn began (`agent.working`) and never ended (`agent.idle`) within the last
   * `window` events (before `beforeSeq`, when given): its agent went away mid-answer without saying so
   * (its runner ended with it).
   */
  midTurn(sessionId: string, window = 2000, beforeSeq?: number): boolean {
    const end = beforeSeq === undefined ? this.currentSeq(sessionId) : beforeSeq - 1;
    const rows = this.replay(sessionId, Math.max(0, end - window), window);
    for (let i = rows.length - 1; i >= 0; i--) {
      if ((rows[i] as StoredEvent).seq > end) continue;
      const body = (rows[i] as StoredEvent).body;
      if (body.startsWith('{"event":"agent.idle"')) return false;
      if (body.startsWith('{"event":"agent.working"')) return true;
    }
    return false;
  }

  /** Events with seq > afterSeq, oldest first, at most `limit`. */
  replay(sessionId: string, afterSeq: number, limit = 1000): StoredEvent[] {
    return this.repo.events(sessionId, afterSeq, limit);
  }

  private putMessage(session: SessionRef, message: Message, seq: number): void {
    this.repo.upsertMessage({
      id: message.id,
      session_id: session.id,
      project_id: session.project_id,
      role: message.role,
      created_at: message.created_at,
      seq,
      text: searchableText(message),
      body: JSON.stringify(message),
    });
  }

  /** Final messages of a session in order, paged by the seq of the event that completed them. */
  messages(sessionId: string, opts: { afterSeq?: number; limit?: number } = {}): Message[] {
    return this.repo
      .messages(sessionId, opts.afterSeq ?? 0, opts.limit ?? 500)
      .map((r) => JSON.parse(r.body) as Message);
  }

  /**
   * A page of final messages after `afterSeq`, and where the next page starts (null: this is the end).
   * Messages are keyed by the seq of the event that completed them, so pages never overlap or skip.
   */
  messagePage(
    sessionId: string,
    opts: { afterSeq?: number; limit?: number } = {},
  ): { messages: Message[]; next_after_seq: number | null } {
    const limit = opts.limit ?? 500;
    const rows = this.repo.messages(sessionId, opts.afterSeq ?? 0, limit + 1);
    const more = rows.length > limit;
    const page = more ? rows.slice(0, limit) : rows;
    return {
      messages: page.map((r) => JSON.parse(r.body) as Message),
      next_after_seq: more ? (page.at(-1)?.seq ?? null) : null,
    };
  }

  /**
   * How a reader opens a session without replaying it from the start: the final messages up to a
   * boundary seq `after_seq` (the last `limit` of them; `older_before` says where the next older page
   * ends, null when there is none), the events up to it whose effect outlasts their message (`head`:
   * title, model, usage, queue, notices — never stream or tool events), and the caller then
   * subscribes with `after_seq` for everything after it. The boundary is the message before the last
   * assistant message, so that message, its tool calls and anything still running replay as events.
   */
  opening(sessionId: string, limit: number): HistoryOpening {
    const lastAssistant = this.repo.lastOfRole(sessionId, "assistant");
    const afterSeq =
      lastAssistant === 0 ? 0 : (this.repo.messagesBefore(sessionId, lastAssistant, 1)[0]?.seq ?? 0);
    if (afterSeq === 0) return { after_seq: 0, messages: [], older_before: null, head: [] };
    const head = this.repo
      .eventsOfTypes(sessionId, afterSeq, STATE_EVENT_TYPES)
      .map((e) => ({ seq: e.seq, ts: e.ts, ...JSON.parse(e.body) }) as StoredAgentEvent);
    return { after_seq: afterSeq, ...this.olderPage(sessionId, afterSeq + 1, limit), head };
  }

  /**
   * Final messages completed before `beforeSeq`, oldest first: the last `limit` of them, widened so
   * the page does not start with tool results (they belong with the call before them).
   */
  olderPage(sessionId: string, beforeSeq: number, limit: number): HistoryPage {
    const fetch = limit + 64;
    const rows = this.repo.messagesBefore(sessionId, beforeSeq, fetch);
    let n = Math.min(limit, rows.length);
    while (n < rows.length && rows[n - 1]?.role === "tool") n++;
    const page = rows.slice(0, n).reverse();
    const more = rows.length > n || rows.length === fetch;
    return {
      messages: page.map((r) => JSON.parse(r.body) as Message),
      older_before: more && page.length > 0 ? (page[0] as { seq: number }).seq : null,
    };
  }

  /**
   * Record a client id for a session; false when it was already used (a retried send: do nothing again).
   * Deduplication is by id only: never by text, index or order.
   */
  claimClientId(sessionId: string, clientId: string, cmd: string, now = Date.now()): boolean {
    return this.repo.claimClientId(sessionId, clientId, cmd, now);
  }

  /** Release a claim whose command was refused (e.g. `busy`), so the same id may be sent again. */
  releaseClientId(sessionId: string, clientId: string): void {
    this.repo.releaseClientId(sessionId, clientId);
  }

  /** Full-text search over message text; scope to sessions of one project or all of the user's. */
  search(
    query: string,
    opts: { projectId?: string; sessionId?: string; limit?: number } = {},
  ): Result<SearchHit[]> {
    const match = toFtsQuery(query);
    if (!match) return fail("validation_failed", "search needs at least one word");
    return ok(this.repo.search(match, { ...opts, limit: Math.min(opts.limit ?? 50, 200) }));
  }

  deleteSession(sessionId: string): void {
    this.repo.deleteSession(sessionId);
    this.lastSeq.delete(sessionId);
  }

  close(): void {
    this.repo.close();
  }
}

/**
 * Event types whose effect on a reader's view outlasts the message they came with (the chat reducer's
 * session, agent, queue, notice and usage state). Stream and tool events only build messages, which
 * an opening sends final.
 */
export const STATE_EVENT_TYPES = [
  "session.created",
  "session.closed",
  "session.title_changed",
  "session.state",
  "agent.working",
  "agent.idle",
  "agent.error",
  "agent.input_needed",
  "agent.input_closed",
  "agent.notice",
  "agent.stopped",
  "agent.queue",
  "memory.used",
  "message.author",
  "retry.start",
  "retry.end",
  "compact.start",
  "compact.end",
  "config.model_changed",
  "usage",
] as const satisfies readonly AgentEvent["event"][];

/** One batch for `appendMany`. */
export interface AppendBatch {
  session: SessionRef;
  events: readonly AgentEvent[];
  source?: Source;
}

export type StoredAgentEvent = AgentEvent & { seq: number; ts: number };
export interface HistoryPage {
  messages: Message[];
  /** Pass as `before_seq` for the page before this one; null: this page starts the session. */
  older_before: number | null;
}
export interface HistoryOpening extends HistoryPage {
  /** Subscribe after this seq: every event after it is not in `messages` or `head`. */
  after_seq: number;
  head: StoredAgentEvent[];
}

/** Text a person would search for: what was said, thought, and what tools printed. */
export function searchableText(message: Message): string {
  const out: string[] = [];
  for (const p of message.parts) {
    if (p.type === "text" || p.type === "thinking") out.push(p.text);
    else if (p.type === "tool_result") out.push(p.output.slice(0, 4000));
    else if (p.type === "tool_call") out.push(`${p.name} ${JSON.stringify(p.args).slice(0, 1000)}`);
    else if (p.type === "file_ref") out.push(p.path);
  }
  return out.join("\n");
}

/** Words become quoted FTS5 terms (prefix match on the last), so user input never becomes FTS syntax. */
export function toFtsQuery(input: string): string | null {
  const words = input.match(/[\p{L}\p{N}_]+/gu)?.slice(0, 16) ?? [];
  if (words.length === 0) return null;
  return words.map((w, i) => `"${w}"${i === words.length - 1 ? "*" : ""}`).join(" ");
}

import type { Database } from "bun:sqlite";
import type { Result } from "../../protocol/errors.ts";
import { openDatabase } from "../db.ts";
import { HISTORY_MIGRATIONS } from "./migrations/index.ts";

/** One user's history database, at the newest schema (numbered migrations in `./migrations/`). */
export const openHistoryDb = (path: string): Result<Database> =>
  openDatabase(path, { kind: "history", migrations: HISTORY_MIGRATIONS });

/** A stored event: `body` is the event's own JSON (`{"event":…}`), spliced into frames without re-encoding. */
export interface EventRow {
  seq: number;
  ts: number;
  body: string;
}

/** A position in a runner process's event stream. */
export interface SourceRow {
  proc: string;
  seq: number;
}

export interface MessageRow {
  id: string;
  session_id: string;
  project_id: string;
  role: string;
  created_at: number;
  seq: number;
  /** What full-text search sees. */
  text: string;
  /** The message's JSON. */
  body: string;
}

export interface SearchHitRow {
  session_id: string;
  project_id: string;
  message_id: string;
  role: string;
  created_at: number;
  seq: number;
  snippet: string;
  /** FTS5's bm25 rank (lower is better), for merging hits from several histories. */
  rank: number;
}

export interface SearchScope {
  projectId?: string;
  sessionId?: string;
  limit: number;
}

/**
 * SQL for one user's history: events, final messages (FTS5 over their text), accepted client ids
 * and the runner watermark per session. Statements are prepared once per open database; callers
 * number events and build rows, this file only stores and reads them.
 */
export function historyRepo(db: Database) {
  const q = {
    insertEvent: db.query("INSERT INTO events (session_id, seq, ts, type, body) VALUES (?, ?, ?, ?, ?)"),
    maxSeq: db.query<{ seq: number | null }, [string]>(
      "SELECT MAX(seq) AS seq FROM events WHERE session_id = ?",
    ),
    events: db.query<EventRow, [string, number, number]>(
      "SELECT seq, ts, body FROM events WHERE session_id = ? AND seq > ? ORDER BY seq LIMIT ?",
    ),
    upsertMessage: db.query(
      `INSERT INTO messages (id, session_id, project_id, role, created_at, seq, text, body)
       VALUES ($id, $session_id, $project_id, $role, $created_at, $seq, $text, $body)
       ON CONFLICT(id) DO UPDATE SET text = excluded.text, body = excluded.body, seq = excluded.seq`,
    ),
    messages: db.query<{ body: string; seq: number }, [string, number, number]>(
      "SELECT body, seq FROM messages WHERE session_id = ? AND seq > ? ORDER BY seq LIMIT ?",
    ),
    /** Newest first: the last messages completed at or before a seq (their role, to pick page edges). */
    messagesBefore: db.query<{ body: string; seq: number; role: string }, [string, number, number]>(
      "SELECT body, seq, role FROM messages WHERE session_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?",
    ),
    lastOfRole: db.query<{ seq: number }, [string, string]>(
      "SELECT seq FROM messages WHERE session_id = ? AND role = ? ORDER BY seq DESC LIMIT 1",
    ),
    claimClientId: db.query(
      "INSERT OR IGNORE INTO client_ids (session_id, client_id, cmd, created_at) VALUES (?, ?, ?, ?)",
    ),
    releaseClientId: db.query("DELETE FROM client_ids WHERE session_id = ? AND client_id = ?"),
    putSource: db.query("INSERT OR REPLACE INTO sources (session_id, proc, seq) VALUES (?, ?, ?)"),
    source: db.query<SourceRow, [string]>("SELECT proc, seq FROM sources WHERE session_id = ?"),
  };
  const deleteSession = db.transaction((sessionId: string) => {
    for (const table of ["events", "messages", "client_ids", "sources"])
      db.query(`DELETE FROM ${table} WHERE session_id = ?`).run(sessionId);
  });

  return {
    /** Run `fn` in one transaction (all of it is stored, or none). */
    transaction(fn: () => void): void {
      db.transaction(fn)();
    },
    maxSeq(sessionId: string): number {
      return q.maxSeq.get(sessionId)?.seq ?? 0;
    },
    insertEvent(sessionId: string, e: EventRow & { type: string }): void {
      q.insertEvent.run(sessionId, e.seq, e.ts, e.type, e.body);
    },
    /** Events with seq > afterSeq, oldest first, at most `limit`. */
    events(sessionId: string, afterSeq: number, limit: number): EventRow[] {
      return q.events.all(sessionId, afterSeq, limit);
    },
    /** Insert a final message, or replace its text and body (a message may be completed again). */
    upsertMessage(row: MessageRow): void {
      q.upsertMessage.run({ ...row });
    },
    /** Message bodies with their completing seq > afterSeq, in order, at most `limit`. */
    messages(sessionId: string, afterSeq: number, limit: number): { body: string; seq: number }[] {
      return q.messages.all(sessionId, afterSeq, limit);
    },
    /** Message bodies completed before `beforeSeq`, newest first, at most `limit`. */
    messagesBefore(
      sessionId: string,
      beforeSeq: number,
      limit: number,
    ): { body: string; seq: number; role: string }[] {
      return q.messagesBefore.all(sessionId, beforeSeq, limit);
    },
    /** The seq that completed the session's last message of a role (0: none). */
    lastOfRole(sessionId: string, role: string): number {
      return q.lastOfRole.get(sessionId, role)?.seq ?? 0;
    },
    /** Events with seq <= upTo whose type is one of `types`, oldest first. */
    eventsOfTypes(
      sessionId: string,
      upTo: number,
      types: readonly string[],
    ): (EventRow & { type: string })[] {
      const marks = types.map(() => "?").join(", ");
      return db
        .query<EventRow & { type: string }, (string | number)[]>(
          `SELECT seq, ts, type, body FROM events WHERE session_id = ? AND seq <= ? AND type IN (${marks}) ORDER BY seq`,
        )
        .all(sessionId, upTo, ...types);
    },
    /** False when the id was already claimed for this session. */
    claimClientId(sessionId: string, clientId: string, cmd: string, now: number): boolean {
      return q.claimClientId.run(sessionId, clientId, cmd, now).changes === 1;
    },
    releaseClientId(sessionId: string, clientId: string): void {
      q.releaseClientId.run(sessionId, clientId);
    },
    putSource(sessionId: string, source: SourceRow): void {
      q.putSource.run(sessionId, source.proc, source.seq);
    },
    source(sessionId: string): SourceRow | null {
      return q.source.get(sessionId);
    },
    /** `match` must already be a safe FTS5 query (quoted terms); the caller builds it. */
    search(match: string, scope: SearchScope): SearchHitRow[] {
      const where = ["messages_fts MATCH $match"];
      if (scope.projectId) where.push("m.project_id = $project");
      if (scope.sessionId) where.push("m.session_id = $session");
      const sql = `SELECT m.session_id, m.project_id, m.id AS message_id, m.role, m.created_at, m.seq,
          snippet(messages_fts, 0, '[', ']', '…', 12) AS snippet, rank
        FROM messages_fts JOIN messages m ON m.rowid = messages_fts.rowid
        WHERE ${where.join(" AND ")} ORDER BY rank LIMIT $limit`;
      const params: Record<string, string | number> = { match, limit: scope.limit };
      if (scope.projectId) params.project = scope.projectId;
      if (scope.sessionId) params.session = scope.sessionId;
      return db.query<SearchHitRow, [Record<string, string | number>]>(sql).all(params);
    },
    /** Everything stored for one session, in one transaction. */
    deleteSession(sessionId: string): void {
      deleteSession(sessionId);
    },
    close(): void {
      db.close();
    },
  };
}

export type HistoryRepo = ReturnType<typeof historyRepo>;

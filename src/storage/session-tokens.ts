import type { Database } from "bun:sqlite";

/**
 * SQL for per-session bearer tokens (hashes only), one table per kind with the same shape:
 * `llm_tokens` (the LLM gateway) and `tool_tokens` (the agent's tool socket).
 */

export interface SessionTokenRow {
  hash: string;
  user_id: string;
  project_id: string;
  session_id: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

export type SessionTokenTable = "llm_tokens" | "tool_tokens";

export interface SessionTokensRepo {
  insert(row: Pick<SessionTokenRow, "hash" | "user_id" | "project_id" | "session_id" | "created_at">): void;
  /** Only live tokens of enabled users (and, with `openSessionOnly`, of sessions not closed). */
  live(hash: string): SessionTokenRow | null;
  /** Whether a token (live or not) belongs to a disabled user: the honest reason it stopped working. */
  ownerDisabled(hash: string): boolean;
  touch(hash: string, now: number): void;
  revokeSession(sessionId: string, now: number): number;
  /** `from`'s live tokens now act for `to` (same user and project); `to`'s own stop working. */
  rebind(from: string, to: string, now: number): number;
  revokeUser(userId: string, now: number): number;
}

export function sessionTokensRepo(
  db: Database,
  table: SessionTokenTable,
  opts: { openSessionOnly?: boolean } = {},
): SessionTokensRepo {
  const session = opts.openSessionOnly
    ? `JOIN sessions s ON s.id = t.session_id AND s.user_id = t.user_id AND s.project_id = t.project_id
         AND s.status != 'closed'`
    : "";
  return {
    insert(row) {
      db.query(
        `INSERT INTO ${table} (hash, user_id, project_id, session_id, created_at)
         VALUES ($hash, $user_id, $project_id, $session_id, $created_at)`,
      ).run({ ...row });
    },
    live(hash) {
      return db
        .query<SessionTokenRow, [string]>(
          `SELECT t.* FROM ${table} t JOIN users u ON u.id = t.user_id ${session}
           WHERE t.hash = ? AND t.revoked_at IS NULL AND u.disabled = 0`,
        )
        .get(hash);
    },
    ownerDisabled(hash) {
      return (
        db
          .query(
            `SELECT 1 FROM ${table} t JOIN users u ON u.id = t.user_id WHERE t.hash = ? AND u.disabled = 1`,
          )
          .get(hash) !== null
      );
    },
    touch(hash, now) {
      db.query(`UPDATE ${table} SET last_used_at = ? WHERE hash = ?`).run(now, hash);
    },
    revokeSession(sessionId, now) {
      return db
        .query(`UPDATE ${table} SET revoked_at = ? WHERE session_id = ? AND revoked_at IS NULL`)
        .run(now, sessionId).changes;
    },
    rebind(from, to, now) {
      return db.transaction(() => {
        db.query(`UPDATE ${table} SET revoked_at = ? WHERE session_id = ? AND revoked_at IS NULL`).run(
          now,
          to,
        );
        return db
          .query(
            `UPDATE ${table} SET session_id = ?1 WHERE session_id = ?2 AND revoked_at IS NULL
               AND EXISTS (SELECT 1 FROM sessions s WHERE s.id = ?1 AND s.user_id = ${table}.user_id
                 AND s.project_id = ${table}.project_id)`,
          )
          .run(to, from).changes;
      })();
    },
    revokeUser(userId, now) {
      return db
        .query(`UPDATE ${table} SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL`)
        .run(now, userId).changes;
    },
  };
}

import type { Database } from "bun:sqlite";

/** SQL for the tool-socket tokens of agent sessions (hashes only). */

export interface ToolTokenRow {
  hash: string;
  user_id: string;
  project_id: string;
  session_id: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

export const toolTokensRepo = (db: Database) => ({
  insert(row: Pick<ToolTokenRow, "hash" | "user_id" | "project_id" | "session_id" | "created_at">): void {
    db.query(
      `INSERT INTO tool_tokens (hash, user_id, project_id, session_id, created_at)
       VALUES ($hash, $user_id, $project_id, $session_id, $created_at)`,
    ).run({ ...row });
  },
  /** Only live tokens of enabled users whose session still exists: anything else reads as unknown. */
  live(hash: string): ToolTokenRow | null {
    return db
      .query<ToolTokenRow, [string]>(
        `SELECT t.* FROM tool_tokens t
           JOIN users u ON u.id = t.user_id
           JOIN sessions s ON s.id = t.session_id AND s.user_id = t.user_id AND s.project_id = t.project_id
         WHERE t.hash = ? AND t.revoked_at IS NULL AND u.disabled = 0 AND s.status != 'closed'`,
      )
      .get(hash);
  },
  touch(hash: string, now: number): void {
    db.query("UPDATE tool_tokens SET last_used_at = ? WHERE hash = ?").run(now, hash);
  },
  revokeSession(sessionId: string, now: number): number {
    return db
      .query("UPDATE tool_tokens SET revoked_at = ? WHERE session_id = ? AND revoked_at IS NULL")
      .run(now, sessionId).changes;
  },
  revokeUser(userId: string, now: number): number {
    return db
      .query("UPDATE tool_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL")
      .run(now, userId).changes;
  },
});

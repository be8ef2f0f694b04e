import type { Database } from "bun:sqlite";

export interface ApiKeyRow {
  id: string;
  user_id: string;
  name: string;
  prefix: string;
  hash: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

/** How often last_used_at is rewritten: a busy script should not turn every request into a write. */
const TOUCH_GRANULARITY_MS = 60_000;

/** SQL for the api_keys table. Only hashes are stored; the secret is shown once by the caller. */
export const apiKeysRepo = (db: Database) => ({
  insert(row: Omit<ApiKeyRow, "last_used_at" | "revoked_at">): void {
    db.query(
      `INSERT INTO api_keys (id, user_id, name, prefix, hash, created_at, last_used_at, revoked_at)
       VALUES ($id, $user_id, $name, $prefix, $hash, $created_at, NULL, NULL)`,
    ).run(row);
  },
  activeByHash(hash: string): ApiKeyRow | null {
    return db
      .query<ApiKeyRow, [string]>("SELECT * FROM api_keys WHERE hash = ? AND revoked_at IS NULL")
      .get(hash);
  },
  activeForUser(userId: string): ApiKeyRow[] {
    return db
      .query<ApiKeyRow, [string]>(
        "SELECT * FROM api_keys WHERE user_id = ? AND revoked_at IS NULL ORDER BY created_at, id",
      )
      .all(userId);
  },
  /** Revoke one of this user's keys; another user's key id is simply not found. */
  revoke(userId: string, id: string, now: number): boolean {
    return (
      db
        .query("UPDATE api_keys SET revoked_at = ? WHERE id = ? AND user_id = ? AND revoked_at IS NULL")
        .run(now, id, userId).changes > 0
    );
  },
  touch(id: string, now: number): void {
    db.query(
      "UPDATE api_keys SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)",
    ).run(now, id, now - TOUCH_GRANULARITY_MS);
  },
});

export type ApiKeysRepo = ReturnType<typeof apiKeysRepo>;

import type { Database } from "bun:sqlite";

/** `grantee` value that shares a conversation with everyone signed in to this server. */
export const EVERYONE = "*";

export interface ShareRow {
  session_id: string;
  /** A user id, or `*` (everyone). */
  grantee: string;
  created_by: string;
  created_at: number;
}

/** A share as its owner lists it: the grantee's username (null for everyone). */
export interface ShareListRow extends ShareRow {
  username: string | null;
}

/** A conversation someone else shared with a user, with its owner's name. */
export interface SharedSessionRow {
  id: string;
  user_id: string;
  owner_username: string;
  project_id: string;
  title: string;
  status: string;
  last_seq: number;
  created_at: number;
  updated_at: number;
  shared_at: number;
}

export const sessionSharesRepo = (db: Database) => ({
  /** Adds a share; false when it already existed (the first one is kept). */
  add(sessionId: string, grantee: string, createdBy: string, now: number): boolean {
    return (
      db
        .query(
          `INSERT OR IGNORE INTO session_shares (session_id, grantee, grantee_user, created_by, created_at)
           VALUES (?1, ?2, CASE WHEN ?2 = '*' THEN NULL ELSE ?2 END, ?3, ?4)`,
        )
        .run(sessionId, grantee, createdBy, now).changes > 0
    );
  },
  remove(sessionId: string, grantee: string): boolean {
    return (
      db.query("DELETE FROM session_shares WHERE session_id = ? AND grantee = ?").run(sessionId, grantee)
        .changes > 0
    );
  },
  listForSession(sessionId: string): ShareListRow[] {
    return db
      .query<ShareListRow, [string]>(
        `SELECT s.session_id, s.grantee, s.created_by, s.created_at, u.username
           FROM session_shares s LEFT JOIN users u ON u.id = s.grantee_user
          WHERE s.session_id = ? ORDER BY s.grantee = '*' DESC, u.username`,
      )
      .all(sessionId);
  },
  /** Whether the conversation is shared with this user, by name or with everyone. */
  isSharedWith(sessionId: string, userId: string): boolean {
    return (
      db
        .query<{ one: number }, [string, string]>(
          "SELECT 1 AS one FROM session_shares WHERE session_id = ? AND grantee IN (?, '*') LIMIT 1",
        )
        .get(sessionId, userId) !== null
    );
  },
  /** Other people's conversations shared with this user (by name or with everyone), newest first. */
  sharedWith(userId: string, limit = 500): SharedSessionRow[] {
    return db
      .query<SharedSessionRow, [string, number]>(
        `SELECT s.id, s.user_id, u.username AS owner_username, s.project_id, s.title, s.status, s.last_seq,
                s.created_at, s.updated_at, MIN(sh.created_at) AS shared_at
           FROM session_shares sh
           JOIN sessions s ON s.id = sh.session_id
           JOIN users u ON u.id = s.user_id
          WHERE sh.grantee IN (?1, '*') AND s.user_id != ?1 AND s.status != 'spare' AND u.disabled = 0
          GROUP BY s.id
          ORDER BY s.updated_at DESC, s.id DESC LIMIT ?2`,
      )
      .all(userId, limit);
  },
  /** One shared conversation as `sharedWith` lists it, or null when it is not shared with the user. */
  sharedOne(userId: string, sessionId: string): SharedSessionRow | null {
    return db
      .query<SharedSessionRow, [string, string]>(
        `SELECT s.id, s.user_id, u.username AS owner_username, s.project_id, s.title, s.status, s.last_seq,
                s.created_at, s.updated_at, MIN(sh.created_at) AS shared_at
           FROM session_shares sh
           JOIN sessions s ON s.id = sh.session_id
           JOIN users u ON u.id = s.user_id
          WHERE sh.session_id = ?2 AND sh.grantee IN (?1, '*') AND s.user_id != ?1 AND s.status != 'spare'
            AND u.disabled = 0
          GROUP BY s.id`,
      )
      .get(userId, sessionId);
  },
});

export type SessionSharesRepo = ReturnType<typeof sessionSharesRepo>;

/** Users other people may pick to share with: enabled accounts whose name matches, by name. */
export function userDirectory(
  db: Database,
  query: string,
  limit: number,
): { id: string; username: string }[] {
  const like = `%${query.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return db
    .query<{ id: string; username: string }, [string, number]>(
      "SELECT id, username FROM users WHERE disabled = 0 AND username LIKE ? ESCAPE '\\' ORDER BY username LIMIT ?",
    )
    .all(like, limit);
}

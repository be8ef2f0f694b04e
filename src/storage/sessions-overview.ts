import type { Database } from "bun:sqlite";

export interface SessionOverviewRow {
  id: string;
  user_id: string;
  username: string;
  project_id: string;
  title: string;
  status: string;
  created_at: number;
  updated_at: number;
  closed_at: number | null;
}

/** Read-only, cross-user view of session metadata for administrators (`octoctl session list`). */
export const sessionsOverview = (db: Database) => ({
  list(limit = 500): SessionOverviewRow[] {
    return db
      .query<SessionOverviewRow, [number]>(
        `SELECT s.id, s.user_id, u.username, s.project_id, s.title, s.status, s.created_at, s.updated_at, s.closed_at
         FROM sessions s JOIN users u ON u.id = s.user_id
         WHERE s.status != 'spare'
         ORDER BY s.updated_at DESC, s.id DESC LIMIT ?`,
      )
      .all(limit);
  },
});

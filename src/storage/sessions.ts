import type { Database } from "bun:sqlite";

/**
 * `starting`: agent being launched; `ready`: agent process alive; `sleeping`: reaped when idle or
 * crashed, revived with its pi session on the next prompt; `closed`: ended by the user; `spare`: a
 * pre-started agent no one has asked for yet (src/sessions/warm.ts) — invisible until claimed.
 */
export type SessionStatus = "starting" | "ready" | "sleeping" | "closed" | "spare";

export interface SessionRow {
  id: string;
  user_id: string;
  project_id: string;
  title: string;
  model: string | null;
  profile: string;
  pi_session_file: string | null;
  pi_session_id: string | null;
  status: SessionStatus;
  last_seq: number;
  created_at: number;
  updated_at: number;
  closed_at: number | null;
  proc_id: string | null;
  parent_id: string | null;
  last_active_at: number;
  /** Who started it when not the project's owner (a member of a shared project, decision 0030). */
  created_by?: string | null;
}

export const sessionsRepo = (db: Database) => ({
  byId(id: string): SessionRow | null {
    return db.query<SessionRow, [string]>("SELECT * FROM sessions WHERE id = ?").get(id);
  },
  listForProject(projectId: string, limit = 200): SessionRow[] {
    return db
      .query<SessionRow, [string, number]>(
        "SELECT * FROM sessions WHERE project_id = ? AND status != 'spare' ORDER BY updated_at DESC, id DESC LIMIT ?",
      )
      .all(projectId, limit);
  },
  listForUser(userId: string, limit = 500): SessionRow[] {
    return db
      .query<SessionRow, [string, number]>(
        "SELECT * FROM sessions WHERE user_id = ? AND status != 'spare' ORDER BY updated_at DESC, id DESC LIMIT ?",
      )
      .all(userId, limit);
  },
  /** Sessions whose agent may still be running under a runner (after a server restart). */
  live(): SessionRow[] {
    return db
      .query<SessionRow, []>(
        "SELECT * FROM sessions WHERE status IN ('starting', 'ready') AND proc_id IS NOT NULL",
      )
      .all();
  },
  /** Pre-started agents not yet claimed (all users' when `userId` is not given). */
  spares(userId?: string): SessionRow[] {
    return userId
      ? db
          .query<SessionRow, [string]>("SELECT * FROM sessions WHERE status = 'spare' AND user_id = ?")
          .all(userId)
      : db.query<SessionRow, []>("SELECT * FROM sessions WHERE status = 'spare'").all();
  },
  /** Turn a spare into the user's new session; false when it is gone or already taken (one winner). */
  claim(id: string, now: number): boolean {
    return (
      db
        .query(
          "UPDATE sessions SET status = 'ready', created_at = ?1, updated_at = ?1, last_active_at = ?1 WHERE id = ?2 AND status = 'spare'",
        )
        .run(now, id).changes > 0
    );
  },
  /** Take a spare to become another session's agent: its row goes; false when already taken (one winner). */
  takeSpare(id: string): boolean {
    return db.query("DELETE FROM sessions WHERE id = ? AND status = 'spare'").run(id).changes > 0;
  },
  insert(row: SessionRow): void {
    db.query(
      `INSERT INTO sessions (id, user_id, project_id, title, model, profile, pi_session_file, pi_session_id, status,
         last_seq, created_at, updated_at, closed_at, proc_id, parent_id, last_active_at)
       VALUES ($id, $user_id, $project_id, $title, $model, $profile, $pi_session_file, $pi_session_id, $status,
         $last_seq, $created_at, $updated_at, $closed_at, $proc_id, $parent_id, $last_active_at)`,
    ).run({ ...row });
  },
  update(id: string, fields: Partial<Omit<SessionRow, "id" | "user_id" | "project_id">>, now: number): void {
    const keys = Object.keys(fields);
    if (keys.length === 0) return;
    const set = [...keys.map((k) => `${k} = $${k}`), "updated_at = $updated_at"].join(", ");
    db.query(`UPDATE sessions SET ${set} WHERE id = $id`).run({ ...fields, updated_at: now, id } as Record<
      string,
      string | number | null
    >);
  },
  delete(id: string): boolean {
    return db.query("DELETE FROM sessions WHERE id = ?").run(id).changes > 0;
  },
});

export type SessionsRepo = ReturnType<typeof sessionsRepo>;

import type { Database } from "bun:sqlite";
import type { ProjectRow } from "./projects.ts";

export type MemberRole = "viewer" | "editor";

export interface ProjectMemberRow {
  project_id: string;
  user_id: string;
  role: MemberRole;
  /** 0/1: may open a terminal in the owner's sandbox. */
  terminal: number;
  added_by: string;
  created_at: number;
}

/** A member with the names the UI shows. */
export interface MemberListRow extends ProjectMemberRow {
  username: string;
}

/** A project shared with a user, with its owner's names and the user's grant. */
export interface SharedProjectRow extends ProjectRow {
  owner_username: string;
  role: MemberRole;
  terminal: number;
}

export const projectMembersRepo = (db: Database) => ({
  get(projectId: string, userId: string): ProjectMemberRow | null {
    return db
      .query<ProjectMemberRow, [string, string]>(
        "SELECT * FROM project_members WHERE project_id = ? AND user_id = ?",
      )
      .get(projectId, userId);
  },
  list(projectId: string): MemberListRow[] {
    return db
      .query<MemberListRow, [string]>(
        `SELECT m.*, u.username AS username
           FROM project_members m JOIN users u ON u.id = m.user_id
          WHERE m.project_id = ? ORDER BY m.created_at, u.username`,
      )
      .all(projectId);
  },
  insert(row: ProjectMemberRow): void {
    db.query(
      `INSERT INTO project_members (project_id, user_id, role, terminal, added_by, created_at)
       VALUES ($project_id, $user_id, $role, $terminal, $added_by, $created_at)`,
    ).run({ ...row });
  },
  update(projectId: string, userId: string, fields: { role: MemberRole; terminal: number }): void {
    db.query("UPDATE project_members SET role = ?, terminal = ? WHERE project_id = ? AND user_id = ?").run(
      fields.role,
      fields.terminal,
      projectId,
      userId,
    );
  },
  remove(projectId: string, userId: string): boolean {
    return (
      db.query("DELETE FROM project_members WHERE project_id = ? AND user_id = ?").run(projectId, userId)
        .changes > 0
    );
  },
  /** Projects shared with this user, most recently active first. */
  sharedWith(userId: string): SharedProjectRow[] {
    return db
      .query<SharedProjectRow, [string]>(
        `SELECT p.*, u.username AS owner_username,
                m.role AS role, m.terminal AS terminal
           FROM project_members m
           JOIN projects p ON p.id = m.project_id
           JOIN users u ON u.id = p.user_id
          WHERE m.user_id = ? ORDER BY p.last_activity_at DESC, p.id`,
      )
      .all(userId);
  },
  /** Who changed a file of a project through the Files API (shared projects, decision 0030). */
  recordFileChange(change: {
    project_id: string;
    user_id: string;
    op: string;
    path: string;
    at: number;
  }): void {
    db.query(
      "INSERT INTO project_file_changes (project_id, user_id, op, path, at) VALUES ($project_id, $user_id, $op, $path, $at)",
    ).run({ ...change });
  },
  fileChanges(projectId: string, limit = 200): { user_id: string; op: string; path: string; at: number }[] {
    return db
      .query<{ user_id: string; op: string; path: string; at: number }, [string, number]>(
        "SELECT user_id, op, path, at FROM project_file_changes WHERE project_id = ? ORDER BY id DESC LIMIT ?",
      )
      .all(projectId, limit);
  },
});

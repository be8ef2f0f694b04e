import type { Database } from "bun:sqlite";

export interface ProjectRow {
  id: string;
  user_id: string;
  name: string;
  slug: string;
  profile: string;
  default_model: string | null;
  template: string | null;
  /** 0/1: memories are added to a new conversation's first prompt (migration 009). */
  use_memories: number;
  created_at: number;
  updated_at: number;
  last_activity_at: number;
}

export const projectsRepo = (db: Database) => ({
  listForUser(userId: string): ProjectRow[] {
    return db
      .query<ProjectRow, [string]>(
        "SELECT * FROM projects WHERE user_id = ? ORDER BY last_activity_at DESC, id",
      )
      .all(userId);
  },
  /** Every project's folder name with its owner's user name (the single-user layout move). */
  foldersWithOwners(): { username: string; slug: string }[] {
    return db
      .query<{ username: string; slug: string }, []>(
        "SELECT u.username AS username, p.slug AS slug FROM projects p JOIN users u ON u.id = p.user_id",
      )
      .all();
  },
  byId(id: string): ProjectRow | null {
    return db.query<ProjectRow, [string]>("SELECT * FROM projects WHERE id = ?").get(id);
  },
  slugTaken(userId: string, slug: string): boolean {
    return db.query("SELECT 1 FROM projects WHERE user_id = ? AND slug = ?").get(userId, slug) !== null;
  },
  insert(row: Omit<ProjectRow, "use_memories">): void {
    db.query(
      `INSERT INTO projects (id, user_id, name, slug, profile, default_model, template, created_at, updated_at, last_activity_at)
       VALUES ($id, $user_id, $name, $slug, $profile, $default_model, $template, $created_at, $updated_at, $last_activity_at)`,
    ).run({ ...row });
  },
  update(
    id: string,
    fields: Partial<Pick<ProjectRow, "name" | "profile" | "default_model" | "use_memories">>,
    now: number,
  ): void {
    const current = this.byId(id);
    if (!current) return;
    const next = { ...current, ...fields };
    db.query(
      "UPDATE projects SET name = ?, profile = ?, default_model = ?, use_memories = ?, updated_at = ? WHERE id = ?",
    ).run(next.name, next.profile, next.default_model, next.use_memories, now, id);
  },
  touch(id: string, now: number): void {
    db.query("UPDATE projects SET last_activity_at = ? WHERE id = ?").run(now, id);
  },
  delete(id: string): boolean {
    return db.query("DELETE FROM projects WHERE id = ?").run(id).changes > 0;
  },
});

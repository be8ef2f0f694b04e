import type { Database } from "bun:sqlite";

/** SQL for the task tracker: tasks, their dependencies and their history (migration 006). */

export interface TaskRow {
  project_id: string;
  num: number;
  title: string;
  body: string;
  status: string;
  priority: string;
  /** JSON array of strings. */
  labels: string;
  assignee: string | null;
  parent: number | null;
  /** JSON array of links. */
  links: string;
  created_at: number;
  updated_at: number;
}

export interface TaskEventRow {
  project_id: string;
  num: number;
  kind: string;
  /** JSON object: field → [before, after]. */
  changes: string;
  comment: string | null;
  actor_kind: string;
  actor_id: string;
  at: number;
}

type Fields = Partial<Omit<TaskRow, "project_id" | "num" | "created_at">>;

export const tasksRepo = (db: Database) => ({
  transaction<T>(fn: () => T): T {
    return db.transaction(fn)();
  },
  nextNum(projectId: string): number {
    const row = db
      .query<{ n: number | null }, [string]>("SELECT MAX(num) AS n FROM tasks WHERE project_id = ?")
      .get(projectId);
    return (row?.n ?? 0) + 1;
  },
  insert(row: TaskRow): void {
    db.query(
      `INSERT INTO tasks (project_id, num, title, body, status, priority, labels, assignee, parent, links,
         created_at, updated_at)
       VALUES ($project_id, $num, $title, $body, $status, $priority, $labels, $assignee, $parent, $links,
         $created_at, $updated_at)`,
    ).run({ ...row });
  },
  get(projectId: string, num: number): TaskRow | null {
    return db
      .query<TaskRow, [string, number]>("SELECT * FROM tasks WHERE project_id = ? AND num = ?")
      .get(projectId, num);
  },
  list(projectId: string): TaskRow[] {
    return db
      .query<TaskRow, [string]>("SELECT * FROM tasks WHERE project_id = ? ORDER BY num")
      .all(projectId);
  },
  update(projectId: string, num: number, fields: Fields): void {
    const keys = Object.keys(fields);
    if (keys.length === 0) return;
    db.query(
      `UPDATE tasks SET ${keys.map((k) => `${k} = $${k}`).join(", ")} WHERE project_id = $project_id AND num = $num`,
    ).run({ ...fields, project_id: projectId, num });
  },
  children(projectId: string, num: number): number[] {
    return db
      .query<{ num: number }, [string, number]>(
        "SELECT num FROM tasks WHERE project_id = ? AND parent = ? ORDER BY num",
      )
      .all(projectId, num)
      .map((r) => r.num);
  },
  deps(projectId: string): { num: number; depends_on: number }[] {
    return db
      .query<{ num: number; depends_on: number }, [string]>(
        "SELECT num, depends_on FROM task_deps WHERE project_id = ? ORDER BY num, depends_on",
      )
      .all(projectId);
  },
  setDeps(projectId: string, num: number, dependsOn: number[]): void {
    db.query("DELETE FROM task_deps WHERE project_id = ? AND num = ?").run(projectId, num);
    const add = db.query("INSERT INTO task_deps (project_id, num, depends_on) VALUES (?, ?, ?)");
    for (const d of dependsOn) add.run(projectId, num, d);
  },
  addEvent(e: TaskEventRow): void {
    db.query(
      `INSERT INTO task_events (project_id, num, kind, changes, comment, actor_kind, actor_id, at)
       VALUES ($project_id, $num, $kind, $changes, $comment, $actor_kind, $actor_id, $at)`,
    ).run({ ...e });
  },
  events(projectId: string, num: number): TaskEventRow[] {
    return db
      .query<TaskEventRow, [string, number]>(
        "SELECT * FROM task_events WHERE project_id = ? AND num = ? ORDER BY seq",
      )
      .all(projectId, num);
  },
  /** Removes every task of a project (an import replaces them). */
  clear(projectId: string): void {
    db.query("DELETE FROM task_deps WHERE project_id = ?").run(projectId);
    db.query("DELETE FROM tasks WHERE project_id = ?").run(projectId);
  },
});

import type { Database } from "bun:sqlite";

/** SQL for schedules, webhooks, their deliveries and the runs they start (migration 010). */

export interface ScheduleRow {
  id: string;
  user_id: string;
  project_id: string;
  name: string;
  cron: string | null;
  timezone: string;
  at: number | null;
  prompt: string;
  model: string | null;
  thinking: string | null;
  spend_cap: number | null;
  state: string;
  next_run_at: number | null;
  proposed_by: string | null;
  created_at: number;
  updated_at: number;
}

export interface HookRow {
  id: string;
  user_id: string;
  project_id: string;
  name: string;
  template: string;
  model: string | null;
  thinking: string | null;
  spend_cap: number | null;
  secret: string;
  enabled: number;
  rate_per_minute: number;
  created_at: number;
  updated_at: number;
  last_delivery_at: number | null;
}

export interface RunRow {
  id: string;
  user_id: string;
  project_id: string;
  schedule_id: string | null;
  hook_id: string | null;
  title: string;
  trigger: string;
  due_at: number;
  started_at: number | null;
  finished_at: number | null;
  outcome: string;
  reason: string | null;
  cost: number;
  session_id: string | null;
  spend_cap: number | null;
}

const setClause = (fields: Record<string, unknown>) =>
  Object.keys(fields)
    .map((k) => `${k} = $${k}`)
    .join(", ");

export const schedulesRepo = (db: Database) => ({
  transaction<T>(fn: () => T): T {
    return db.transaction(fn)();
  },

  // ── schedules ──
  insert(row: ScheduleRow): void {
    db.query(
      `INSERT INTO schedules (id, user_id, project_id, name, cron, timezone, at, prompt, model, thinking,
         spend_cap, state, next_run_at, proposed_by, created_at, updated_at)
       VALUES ($id, $user_id, $project_id, $name, $cron, $timezone, $at, $prompt, $model, $thinking,
         $spend_cap, $state, $next_run_at, $proposed_by, $created_at, $updated_at)`,
    ).run({ ...row });
  },
  byId(id: string): ScheduleRow | null {
    return db.query<ScheduleRow, [string]>("SELECT * FROM schedules WHERE id = ?").get(id);
  },
  listForProject(projectId: string): ScheduleRow[] {
    return db
      .query<ScheduleRow, [string]>("SELECT * FROM schedules WHERE project_id = ? ORDER BY created_at, id")
      .all(projectId);
  },
  listAll(): ScheduleRow[] {
    return db.query<ScheduleRow, []>("SELECT * FROM schedules ORDER BY created_at, id").all();
  },
  /** Active schedules due at or before `now`, earliest first. */
  due(now: number): ScheduleRow[] {
    return db
      .query<ScheduleRow, [number]>(
        `SELECT * FROM schedules WHERE state = 'active' AND next_run_at IS NOT NULL AND next_run_at <= ?
         ORDER BY next_run_at, id`,
      )
      .all(now);
  },
  /** The earliest next run of any active schedule. */
  nextDue(): number | null {
    const row = db
      .query<{ t: number | null }, []>(
        "SELECT MIN(next_run_at) AS t FROM schedules WHERE state = 'active' AND next_run_at IS NOT NULL",
      )
      .get();
    return row?.t ?? null;
  },
  update(id: string, fields: Partial<Omit<ScheduleRow, "id" | "user_id" | "project_id">>): void {
    if (Object.keys(fields).length === 0) return;
    db.query(`UPDATE schedules SET ${setClause(fields)} WHERE id = $id`).run({ ...fields, id });
  },
  delete(id: string): boolean {
    return db.query("DELETE FROM schedules WHERE id = ?").run(id).changes > 0;
  },

  // ── hooks ──
  insertHook(row: HookRow): void {
    db.query(
      `INSERT INTO hooks (id, user_id, project_id, name, template, model, thinking, spend_cap, secret, enabled,
         rate_per_minute, created_at, updated_at, last_delivery_at)
       VALUES ($id, $user_id, $project_id, $name, $template, $model, $thinking, $spend_cap, $secret, $enabled,
         $rate_per_minute, $created_at, $updated_at, $last_delivery_at)`,
    ).run({ ...row });
  },
  hookById(id: string): HookRow | null {
    return db.query<HookRow, [string]>("SELECT * FROM hooks WHERE id = ?").get(id);
  },
  hooksForProject(projectId: string): HookRow[] {
    return db
      .query<HookRow, [string]>("SELECT * FROM hooks WHERE project_id = ? ORDER BY created_at, id")
      .all(projectId);
  },
  updateHook(id: string, fields: Partial<Omit<HookRow, "id" | "user_id" | "project_id">>): void {
    if (Object.keys(fields).length === 0) return;
    db.query(`UPDATE hooks SET ${setClause(fields)} WHERE id = $id`).run({ ...fields, id });
  },
  deleteHook(id: string): boolean {
    return db.query("DELETE FROM hooks WHERE id = ?").run(id).changes > 0;
  },
  /** Remember a delivery id; false when it was seen before (a replay). Forgets ids older than `forgetBefore`. */
  claimDelivery(hookId: string, deliveryId: string, at: number, forgetBefore: number): boolean {
    db.query("DELETE FROM hook_deliveries WHERE at < ?").run(forgetBefore);
    return (
      db
        .query("INSERT OR IGNORE INTO hook_deliveries (hook_id, delivery_id, at) VALUES (?, ?, ?)")
        .run(hookId, deliveryId, at).changes > 0
    );
  },

  // ── runs ──
  insertRun(row: RunRow): void {
    db.query(
      `INSERT INTO schedule_runs (id, user_id, project_id, schedule_id, hook_id, title, trigger, due_at,
         started_at, finished_at, outcome, reason, cost, session_id, spend_cap)
       VALUES ($id, $user_id, $project_id, $schedule_id, $hook_id, $title, $trigger, $due_at,
         $started_at, $finished_at, $outcome, $reason, $cost, $session_id, $spend_cap)`,
    ).run({ ...row });
  },
  runById(id: string): RunRow | null {
    return db.query<RunRow, [string]>("SELECT * FROM schedule_runs WHERE id = ?").get(id);
  },
  runs(filter: { projectId: string; scheduleId?: string; hookId?: string; limit: number }): RunRow[] {
    const where = ["project_id = $project_id"];
    const args: Record<string, string | number> = { project_id: filter.projectId, limit: filter.limit };
    if (filter.scheduleId) {
      where.push("schedule_id = $schedule_id");
      args.schedule_id = filter.scheduleId;
    }
    if (filter.hookId) {
      where.push("hook_id = $hook_id");
      args.hook_id = filter.hookId;
    }
    return db
      .query<RunRow, Record<string, string | number>>(
        `SELECT * FROM schedule_runs WHERE ${where.join(" AND ")} ORDER BY due_at DESC, id DESC LIMIT $limit`,
      )
      .all(args);
  },
  running(): RunRow[] {
    return db.query<RunRow, []>("SELECT * FROM schedule_runs WHERE outcome = 'running'").all();
  },
  runningOf(scheduleId: string): RunRow | null {
    return db
      .query<RunRow, [string]>(
        "SELECT * FROM schedule_runs WHERE schedule_id = ? AND outcome = 'running' LIMIT 1",
      )
      .get(scheduleId);
  },
  updateRun(id: string, fields: Partial<Omit<RunRow, "id">>): void {
    if (Object.keys(fields).length === 0) return;
    db.query(`UPDATE schedule_runs SET ${setClause(fields)} WHERE id = $id`).run({ ...fields, id });
  },
  /** Ends a running run; false when it had already ended (so it is recorded once). */
  finishRun(
    id: string,
    fields: { finished_at: number; outcome: string; reason: string | null; cost: number },
  ): boolean {
    return (
      db
        .query(
          `UPDATE schedule_runs SET finished_at = $finished_at, outcome = $outcome, reason = $reason, cost = $cost
           WHERE id = $id AND outcome = 'running'`,
        )
        .run({ ...fields, id }).changes > 0
    );
  },
});

export type SchedulesRepo = ReturnType<typeof schedulesRepo>;

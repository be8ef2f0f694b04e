import type { ThinkingLevel } from "../protocol/agent-message.ts";
import { fail, ok, type Result } from "../protocol/errors.ts";
import { newId } from "../protocol/ids.ts";
import type {
  CreateScheduleInput,
  Schedule,
  ScheduleRun,
  ScheduleState,
  UpdateScheduleInput,
} from "../protocol/schedules.ts";
import type { ScheduleRow, SchedulesRepo } from "../storage/schedules.ts";
import { checkTimeZone, cronPlan } from "./cron.ts";
import { publicRun, type RunTracker } from "./runs.ts";
import { requestOf, Scheduler } from "./scheduler.ts";

/** Who acts, and in which of their projects. Someone else's project or schedule is not found. */
export interface ScheduleScope {
  userId: string;
  projectId: string;
}

export interface ScheduleServiceDeps {
  repo: SchedulesRepo;
  runs: RunTracker;
  scheduler: Scheduler;
  ownsProject(userId: string, projectId: string): boolean;
  /** A model the project may use (`provider/model`), checked when a schedule names one. */
  checkModel(model: string): Result<unknown>;
  now: () => number;
  changed?: (userId: string, projectId: string) => void;
  /** Least time between two runs of a cron schedule (each run starts an agent). */
  minIntervalMs: number;
}

export const publicSchedule = (s: ScheduleRow): Schedule => ({
  id: s.id,
  project_id: s.project_id,
  name: s.name,
  cron: s.cron,
  timezone: s.timezone,
  at: s.at,
  prompt: s.prompt,
  model: s.model,
  thinking: s.thinking as ThinkingLevel | null,
  spend_cap: s.spend_cap,
  state: s.state as ScheduleState,
  next_run_at: s.next_run_at,
  proposed_by: s.proposed_by,
  created_at: s.created_at,
  updated_at: s.updated_at,
});

const notFound = () => fail("not_found", "no such schedule");
const noProject = () => fail("not_found", "no such project");

/** When: a cron expression with its zone, or one time. Checked together because they exclude each other. */
function checkWhen(
  cron: string | null,
  timezone: string,
  at: number | null,
  now: number,
  minIntervalMs: number,
): Result<{ cron: string | null; timezone: string; at: number | null }> {
  if ((cron === null) === (at === null))
    return fail("validation_failed", "cron: give either a cron expression or a one-time `at`");
  const zone = checkTimeZone(timezone);
  if (!zone.ok) return zone;
  if (cron !== null) {
    const plan = cronPlan(cron, timezone);
    if (!plan.ok) return plan;
    const times = plan.value.nextN(now, 6);
    const gaps = times.slice(1).map((t, i) => t - (times[i] as number));
    if (gaps.some((g) => g < minIntervalMs))
      return fail(
        "validation_failed",
        `cron: runs more often than once every ${Math.round(minIntervalMs / 1000)} s (schedules.min_interval)`,
      );
    if (plan.value.next(now) === null)
      return fail("validation_failed", "cron: this expression never fires again");
  } else if ((at as number) <= now)
    return fail("validation_failed", "at: a one-time run must be in the future");
  return ok({ cron, timezone, at });
}

/**
 * A project's schedules: create, edit, pause/resume, run now, delete, and their run history.
 * Every call names the caller and the project; the schedule must belong to that project of theirs.
 */
export class ScheduleService {
  constructor(private readonly deps: ScheduleServiceDeps) {}

  list(scope: ScheduleScope): Result<Schedule[]> {
    if (!this.deps.ownsProject(scope.userId, scope.projectId)) return noProject();
    return ok(this.deps.repo.listForProject(scope.projectId).map(publicSchedule));
  }

  get(scope: ScheduleScope, id: string): Result<Schedule> {
    const s = this.owned(scope, id);
    return s.ok ? ok(publicSchedule(s.value)) : s;
  }

  /** `proposedBy`: an agent session proposing it; it then waits for the person (`confirm`). */
  create(
    scope: ScheduleScope,
    input: CreateScheduleInput,
    proposedBy: string | null = null,
  ): Result<Schedule> {
    if (!this.deps.ownsProject(scope.userId, scope.projectId)) return noProject();
    const now = this.deps.now();
    const when = checkWhen(
      input.cron ?? null,
      input.timezone ?? "UTC",
      input.at ?? null,
      now,
      this.deps.minIntervalMs,
    );
    if (!when.ok) return when;
    if (input.model) {
      const m = this.deps.checkModel(input.model);
      if (!m.ok) return m;
    }
    const state: ScheduleState = proposedBy ? "proposed" : input.paused ? "paused" : "active";
    const row: ScheduleRow = {
      id: newId("sch", now),
      user_id: scope.userId,
      project_id: scope.projectId,
      name: input.name,
      ...when.value,
      prompt: input.prompt,
      model: input.model ?? null,
      thinking: input.thinking ?? null,
      spend_cap: input.spend_cap ?? null,
      state,
      next_run_at: state === "active" ? Scheduler.nextAfter(when.value, now) : null,
      proposed_by: proposedBy,
      created_at: now,
      updated_at: now,
    };
    this.deps.repo.insert(row);
    this.deps.scheduler.rearm();
    this.deps.changed?.(scope.userId, scope.projectId);
    return ok(publicSchedule(row));
  }

  update(scope: ScheduleScope, id: string, input: UpdateScheduleInput): Result<Schedule> {
    const found = this.owned(scope, id);
    if (!found.ok) return found;
    const s = found.value;
    const now = this.deps.now();
    // Switching between cron and one-shot: the one given replaces the other.
    const cron = input.at != null ? null : input.cron !== undefined ? input.cron : s.cron;
    const at = input.cron != null ? null : input.at !== undefined ? input.at : s.at;
    const when = checkWhen(cron, input.timezone ?? s.timezone, at, now, this.deps.minIntervalMs);
    if (!when.ok) return when;
    if (input.model) {
      const m = this.deps.checkModel(input.model);
      if (!m.ok) return m;
    }
    const state = s.state === "done" ? "active" : s.state;
    const fields = {
      ...when.value,
      name: input.name ?? s.name,
      prompt: input.prompt ?? s.prompt,
      model: input.model !== undefined ? input.model : s.model,
      thinking: input.thinking !== undefined ? input.thinking : s.thinking,
      spend_cap: input.spend_cap !== undefined ? input.spend_cap : s.spend_cap,
      state,
      next_run_at: state === "active" ? Scheduler.nextAfter(when.value, now) : null,
      updated_at: now,
    };
    this.deps.repo.update(s.id, fields);
    this.deps.scheduler.rearm();
    this.deps.changed?.(scope.userId, scope.projectId);
    return ok(publicSchedule({ ...s, ...fields }));
  }

  /** Pause keeps everything; resume (and confirming a proposal) runs from the next time after now. */
  setState(scope: ScheduleScope, id: string, to: "paused" | "active"): Result<Schedule> {
    const found = this.owned(scope, id);
    if (!found.ok) return found;
    return this.moveTo(found.value, to);
  }

  /** A person confirms what an agent proposed; until then it never runs. */
  confirm(scope: ScheduleScope, id: string): Result<Schedule> {
    const found = this.owned(scope, id);
    if (!found.ok) return found;
    if (found.value.state !== "proposed") return fail("conflict", "this schedule is not a proposal");
    return this.apply(found.value, "active");
  }

  delete(scope: ScheduleScope, id: string): Result<null> {
    const found = this.owned(scope, id);
    if (!found.ok) return found;
    this.deps.repo.delete(id);
    this.deps.scheduler.rearm();
    this.deps.changed?.(scope.userId, scope.projectId);
    return ok(null);
  }

  /** "Run now": a run at once, unless the previous one still works. Works on paused schedules too. */
  runNow(scope: ScheduleScope, id: string): Result<ScheduleRun> {
    const found = this.owned(scope, id);
    if (!found.ok) return found;
    return this.startNow(found.value);
  }

  runs(
    scope: ScheduleScope,
    filter: { scheduleId?: string; hookId?: string; limit?: number },
  ): Result<ScheduleRun[]> {
    if (!this.deps.ownsProject(scope.userId, scope.projectId)) return noProject();
    const rows = this.deps.repo.runs({ projectId: scope.projectId, ...filter, limit: filter.limit ?? 100 });
    return ok(rows.map(publicRun));
  }

  // ── admins (`octoctl schedule …`): any schedule by id ──

  allForAdmin(): ScheduleRow[] {
    return this.deps.repo.listAll();
  }

  adminRun(id: string): Result<ScheduleRun> {
    const s = this.deps.repo.byId(id);
    return s ? this.startNow(s) : notFound();
  }

  adminSetState(id: string, to: "paused" | "active"): Result<Schedule> {
    const s = this.deps.repo.byId(id);
    return s ? this.moveTo(s, to) : notFound();
  }

  private startNow(s: ScheduleRow): Result<ScheduleRun> {
    if (s.state === "proposed") return fail("conflict", "a proposed schedule runs only once it is confirmed");
    if (this.deps.runs.busy(s.id)) return fail("busy", "the previous run of this schedule is still working");
    return ok(this.deps.runs.start(requestOf(s, "manual", this.deps.now())));
  }

  private moveTo(s: ScheduleRow, to: "paused" | "active"): Result<Schedule> {
    if (s.state === "proposed")
      return fail("conflict", "a proposal is confirmed (or rejected) by its person first");
    return this.apply(s, to);
  }

  private apply(s: ScheduleRow, to: "paused" | "active"): Result<Schedule> {
    const now = this.deps.now();
    const state = s.state === "done" && to === "active" && s.at !== null && s.at <= now ? "done" : to;
    const fields = {
      state,
      next_run_at: state === "active" ? Scheduler.nextAfter(s, now) : null,
      updated_at: now,
    };
    this.deps.repo.update(s.id, fields);
    this.deps.scheduler.rearm();
    this.deps.changed?.(s.user_id, s.project_id);
    return ok(publicSchedule({ ...s, ...fields }));
  }

  private owned(scope: ScheduleScope, id: string): Result<ScheduleRow> {
    if (!this.deps.ownsProject(scope.userId, scope.projectId)) return noProject();
    const s = this.deps.repo.byId(id);
    return s && s.project_id === scope.projectId && s.user_id === scope.userId ? ok(s) : notFound();
  }
}

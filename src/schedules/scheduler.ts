import type { Logger } from "../shared/log.ts";
import type { ScheduleRow, SchedulesRepo } from "../storage/schedules.ts";
import type { Clock } from "./clock.ts";
import { cronPlan, occurrencesBetween } from "./cron.ts";
import type { RunRequest, RunTracker } from "./runs.ts";

export interface SchedulerDeps {
  repo: SchedulesRepo;
  runs: RunTracker;
  clock: Clock;
  /** A run missed by at most this much (downtime, a stalled process) still runs once. */
  graceMs: number;
  log: Logger;
}

/** Missed occurrences recorded one by one; older ones are summed up in the oldest record's reason. */
const MISSED_KEPT = 50;

export const requestOf = (s: ScheduleRow, trigger: RunRequest["trigger"], dueAt: number): RunRequest => ({
  userId: s.user_id,
  projectId: s.project_id,
  scheduleId: s.id,
  hookId: null,
  title: s.name,
  trigger,
  dueAt,
  prompt: s.prompt,
  model: s.model,
  thinking: s.thinking,
  spendCap: s.spend_cap,
});

/**
 * Fires schedules on time. Each active schedule keeps its next run time in the database
 * (`next_run_at`); one timer is armed for the earliest. When it fires, every due schedule is
 * handled the same way, whether the server was up all along or just started after downtime:
 *
 * - the occurrences between its `next_run_at` and now are listed (croner, in the schedule's zone);
 * - the latest of them runs if it is within the grace window, every other one is recorded `missed`;
 * - a run due while the schedule's previous run still works is recorded `skipped` (no overlap);
 * - `next_run_at` moves to the first occurrence after now (a one-shot becomes `done`).
 */
export class Scheduler {
  private timer: unknown = null;
  private stopped = true;

  constructor(private readonly deps: SchedulerDeps) {}

  start(): void {
    this.stopped = false;
    this.tick();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) this.deps.clock.clearTimer(this.timer);
    this.timer = null;
  }

  /** A schedule changed (created, edited, paused, deleted): the next wake-up may have moved. */
  rearm(): void {
    if (this.stopped) return;
    if (this.timer !== null) this.deps.clock.clearTimer(this.timer);
    this.timer = null;
    const next = this.deps.repo.nextDue();
    if (next === null) return;
    this.timer = this.deps.clock.setTimer(next - this.deps.clock.now(), () => {
      this.timer = null;
      this.tick();
    });
  }

  /** Handle everything due now, then sleep until the next due time. */
  tick(): void {
    if (this.stopped) return;
    const now = this.deps.clock.now();
    // One transaction for everything due now: a thousand schedules on the same second cost one commit.
    this.deps.repo.transaction(() => {
      for (const s of this.deps.repo.due(now)) {
        try {
          this.fire(s, now);
        } catch (e) {
          this.deps.log.error("a schedule could not fire", { schedule: s.id, error: String(e) });
          // Never fire it in a loop: skip to its next time after now.
          this.deps.repo.update(s.id, { next_run_at: nextAfter(s, now), updated_at: now });
        }
      }
    });
    this.rearm();
  }

  /** The first run time after `after` for a schedule, or null (a one-shot in the past, a dead cron). */
  static nextAfter(s: Pick<ScheduleRow, "cron" | "timezone" | "at">, after: number): number | null {
    return nextAfter(s, after);
  }

  private fire(s: ScheduleRow, now: number): void {
    const { repo, runs, graceMs } = this.deps;
    const due = s.next_run_at as number;
    let times: number[];
    let total: number;
    if (s.cron) {
      const plan = cronPlan(s.cron, s.timezone);
      if (!plan.ok) throw new Error(plan.error.message);
      ({ times, total } = occurrencesBetween(plan.value, due, now, MISSED_KEPT + 1));
      if (times.length === 0) ({ times, total } = { times: [due], total: 1 });
    } else {
      times = [due];
      total = 1;
    }
    const latest = times[times.length - 1] as number;
    const runLatest = now - latest <= graceMs;
    const missed = runLatest ? times.slice(0, -1) : times;
    const uncounted = total - times.length;
    missed.forEach((t, i) => {
      const more = i === 0 && uncounted > 0 ? ` (and ${uncounted} earlier occurrences)` : "";
      runs.record(requestOf(s, s.cron ? "cron" : "once", t), "missed", `the server was not running${more}`);
    });
    if (runLatest) {
      const trigger = now - latest > 1000 * 60 ? "catch_up" : s.cron ? "cron" : "once";
      if (runs.busy(s.id))
        runs.record(requestOf(s, trigger, latest), "skipped", "the previous run was still working");
      else runs.start(requestOf(s, trigger, latest));
    }
    const next = nextAfter(s, now);
    repo.update(s.id, {
      next_run_at: next,
      updated_at: now,
      ...(s.cron ? {} : { state: "done" }),
    });
  }
}

function nextAfter(s: Pick<ScheduleRow, "cron" | "timezone" | "at">, after: number): number | null {
  if (!s.cron) return s.at !== null && s.at > after ? s.at : null;
  const plan = cronPlan(s.cron, s.timezone);
  return plan.ok ? plan.value.next(after) : null;
}

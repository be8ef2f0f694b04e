import type { AgentEvent } from "../protocol/agent-events.ts";
import type { Result } from "../protocol/errors.ts";
import { newId } from "../protocol/ids.ts";
import type { RunOutcome, RunTrigger, ScheduleRun } from "../protocol/schedules.ts";
import type { Logger } from "../shared/log.ts";
import type { RunRow, SchedulesRepo } from "../storage/schedules.ts";
import type { Clock } from "./clock.ts";
import type { ScheduleEvents } from "./events.ts";

/**
 * The conversations runs happen in, behind a small interface: the real one is `SessionService`
 * (src/schedules/wiring.ts); the scheduler's fake-clock tests drive a stand-in agent through the
 * real hub and history instead.
 */
export interface RunSessions {
  /** A new conversation in the project under the user's account (agent started); its id. */
  create(userId: string, projectId: string, model: string | null): Promise<Result<string>>;
  /** Title it, set its thinking level, send the prompt (its client id is the run id). */
  prompt(
    userId: string,
    sessionId: string,
    p: { title: string; prompt: string; thinking: string | null; clientId: string },
  ): Promise<Result<unknown>>;
  abort(userId: string, sessionId: string): Promise<void>;
  /** The session's stored events (to catch up on a run after a restart), oldest first. */
  events(userId: string, sessionId: string): AgentEvent[];
  /** USD the LLM gateway metered for the session so far. */
  meteredCost(userId: string, sessionId: string): number;
}

/** What a run is started from: a schedule, a webhook delivery, or a person's "run now". */
export interface RunRequest {
  userId: string;
  projectId: string;
  scheduleId: string | null;
  hookId: string | null;
  title: string;
  trigger: RunTrigger;
  dueAt: number;
  prompt: string;
  model: string | null;
  thinking: string | null;
  spendCap: number | null;
}

/** Per running run: what its conversation has shown so far. */
interface Watch {
  runId: string;
  userId: string;
  sessionId: string;
  spendCap: number | null;
  /** Fires when the run has worked for `maxRunMs`. */
  deadline: unknown;
  /** The prompt's turn has begun (an `agent.idle` before it is pi starting up, not the end). */
  working: boolean;
  harnessCost: number;
  error: string | null;
}

export interface RunTrackerDeps {
  repo: SchedulesRepo;
  sessions: RunSessions;
  events: ScheduleEvents;
  clock: Clock;
  /** A run still working after this long is stopped and failed (a turn waiting for input forever would block its schedule). */
  maxRunMs: number;
  /** A project's schedules or runs changed (live updates for open Schedules tabs). */
  changed?: (userId: string, projectId: string) => void;
  log: Logger;
}

export const publicRun = (r: RunRow): ScheduleRun => ({
  id: r.id,
  project_id: r.project_id,
  schedule_id: r.schedule_id,
  hook_id: r.hook_id,
  title: r.title,
  trigger: r.trigger as RunTrigger,
  due_at: r.due_at,
  started_at: r.started_at,
  finished_at: r.finished_at,
  outcome: r.outcome as RunOutcome,
  reason: r.reason,
  cost: r.cost,
  session_id: r.session_id,
});

/**
 * Runs: each one a new conversation. A run ends when its conversation's turn ends (`agent.idle`
 * after the prompt's `agent.working`), read off the hub as events are stored — so it ends the same
 * way whether or not a browser watches, and after a server restart (the runner replays what the
 * server had not stored; what was stored is read back from the history at start-up). Ending is one
 * conditional UPDATE: a run is recorded, and announced, once.
 */
export class RunTracker {
  private readonly watches = new Map<string, Watch>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly now: () => number;

  constructor(private readonly deps: RunTrackerDeps) {
    this.now = () => deps.clock.now();
  }

  /** Forget timers (the server is stopping; runs are caught up by the next start). */
  stop(): void {
    for (const w of this.watches.values()) this.deps.clock.clearTimer(w.deadline);
    this.watches.clear();
  }

  /** Runs still working after a restart: watch them again, ending those whose turn ended meanwhile. */
  recover(): number {
    let watched = 0;
    for (const run of this.deps.repo.running()) {
      if (!run.session_id) {
        // The server stopped between recording the run and opening its conversation.
        this.finish(run.id, "failed", "the server stopped before the run's conversation started");
        continue;
      }
      const events = this.deps.sessions.events(run.user_id, run.session_id);
      if (events.length === 0) {
        // Every conversation starts with `session.created`: none stored means it is gone.
        this.finish(run.id, "failed", "the run's conversation no longer exists");
        continue;
      }
      const w = this.watch(run);
      this.onEvents(run.user_id, run.session_id, events);
      if (this.watches.get(w.sessionId) === w) watched++;
    }
    return watched;
  }

  /** Whether a run of this schedule is still working (the overlap rule). */
  busy(scheduleId: string): boolean {
    const run = this.deps.repo.runningOf(scheduleId);
    if (!run) return false;
    // Its time is up at this very moment (the deadline timer may not have fired yet): it ends first.
    if ((run.started_at ?? 0) + this.deps.maxRunMs <= this.now()) {
      this.expire(run);
      return this.deps.repo.runningOf(scheduleId) !== null;
    }
    return true;
  }

  /** A run that did not start (skipped, missed): recorded with its reason, nothing else happens. */
  record(req: RunRequest, outcome: "skipped" | "missed", reason: string): ScheduleRun {
    const row = this.newRow(req, outcome, reason);
    this.deps.repo.insertRun(row);
    this.deps.changed?.(req.userId, req.projectId);
    return publicRun(row);
  }

  /**
   * Start a run: recorded as running at once, then its conversation is opened and prompted in the
   * background (that takes seconds while pi starts). The answer is the run as first recorded.
   */
  start(req: RunRequest): ScheduleRun {
    const row = this.newRow(req, "running", null);
    row.started_at = this.now();
    this.deps.repo.insertRun(row);
    this.deps.changed?.(req.userId, req.projectId);
    // Launched after the caller's work (the scheduler's tick, one transaction for every schedule due).
    const work = Promise.resolve()
      .then(() => this.launch(row, req))
      .catch((e) => {
        this.deps.log.error("a run failed to start", { run: row.id, error: String(e) });
        this.finish(row.id, "failed", `internal error: ${String(e)}`);
      });
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
    return publicRun(row);
  }

  /** Resolves when every run being started has been handed to its conversation (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  /** Each stored batch of any session: the runs whose conversation it is move on. */
  onEvents(userId: string, sessionId: string, events: readonly AgentEvent[]): void {
    const w = this.watches.get(sessionId);
    if (!w || w.userId !== userId) return;
    for (const e of events) {
      switch (e.event) {
        case "agent.working":
          w.working = true;
          break;
        case "agent.error":
          w.error = e.error.message;
          break;
        case "stream.message_end":
          if (e.message.role !== "assistant") break;
          if (e.message.stop === "error" || e.message.stop === "aborted")
            w.error = e.message.error ?? `the model call ended with ${e.message.stop}`;
          else w.error = null;
          break;
        case "usage":
          w.harnessCost += e.cost;
          this.checkCap(w);
          break;
        case "session.closed":
          this.finish(w.runId, "failed", `the conversation was ${e.reason} before the run finished`);
          return;
        case "agent.idle":
          if (!w.working) break;
          this.finish(w.runId, w.error ? "failed" : "ok", w.error);
          return;
      }
    }
  }

  /** End a run once: outcome, reason, cost; announced to listeners. False if it had already ended. */
  finish(runId: string, outcome: "ok" | "failed", reason: string | null): boolean {
    const run = this.deps.repo.runById(runId);
    if (!run) return false;
    const w = run.session_id ? this.watches.get(run.session_id) : undefined;
    if (w?.runId === runId) {
      this.watches.delete(w.sessionId);
      this.deps.clock.clearTimer(w.deadline);
    }
    const cost = run.session_id ? this.costOf(run.user_id, run.session_id, w) : 0;
    const ended = this.deps.repo.finishRun(runId, { finished_at: this.now(), outcome, reason, cost });
    if (!ended) return false;
    const done = this.deps.repo.runById(runId);
    if (done) {
      this.deps.changed?.(done.user_id, done.project_id);
      this.deps.events.emit({
        type: outcome === "ok" ? "run.finished" : "run.failed",
        userId: done.user_id,
        run: publicRun(done),
      });
    }
    this.deps.log.info("run ended", { run: runId, outcome, ...(reason ? { reason } : {}) });
    return true;
  }

  private newRow(req: RunRequest, outcome: RunOutcome, reason: string | null): RunRow {
    return {
      id: newId("run", this.now()),
      user_id: req.userId,
      project_id: req.projectId,
      schedule_id: req.scheduleId,
      hook_id: req.hookId,
      title: req.title,
      trigger: req.trigger,
      due_at: req.dueAt,
      started_at: null,
      finished_at: outcome === "running" ? null : this.now(),
      outcome,
      reason,
      cost: 0,
      session_id: null,
      spend_cap: req.spendCap,
    };
  }

  private async launch(row: RunRow, req: RunRequest): Promise<void> {
    const { sessions } = this.deps;
    const created = await sessions.create(req.userId, req.projectId, req.model);
    if (!created.ok) {
      this.finish(row.id, "failed", `the conversation could not start: ${created.error.message}`);
      return;
    }
    const sessionId = created.value;
    this.deps.repo.updateRun(row.id, { session_id: sessionId });
    this.deps.changed?.(req.userId, req.projectId);
    this.watch({ ...row, session_id: sessionId });
    const sent = await sessions.prompt(req.userId, sessionId, {
      title: req.title,
      prompt: req.prompt,
      thinking: req.thinking,
      clientId: row.id,
    });
    if (!sent.ok) this.finish(row.id, "failed", `the prompt was not accepted: ${sent.error.message}`);
  }

  private watch(run: RunRow): Watch {
    const w: Watch = {
      runId: run.id,
      userId: run.user_id,
      sessionId: run.session_id as string,
      spendCap: run.spend_cap,
      deadline: null,
      working: false,
      harnessCost: 0,
      error: null,
    };
    const left = (run.started_at ?? this.now()) + this.deps.maxRunMs - this.now();
    w.deadline = this.deps.clock.setTimer(left, () => this.overtime(w));
    this.watches.set(w.sessionId, w);
    return w;
  }

  private overtime(w: Watch): void {
    // The clock's timers wake at most hourly: re-arm until the run's time is really up.
    const run = this.deps.repo.runById(w.runId);
    if (run?.outcome !== "running") return;
    const left = (run.started_at ?? 0) + this.deps.maxRunMs - this.now();
    if (left > 0) {
      w.deadline = this.deps.clock.setTimer(left, () => this.overtime(w));
      return;
    }
    this.expire(run);
  }

  private expire(run: RunRow): void {
    const minutes = Math.round(this.deps.maxRunMs / 60_000);
    if (
      this.finish(run.id, "failed", `stopped after ${minutes} min (schedules.max_run_duration)`) &&
      run.session_id
    )
      void this.deps.sessions.abort(run.user_id, run.session_id);
  }

  /** The gateway's metering is the authority; the harness's own pricing is the floor when it lags. */
  private costOf(userId: string, sessionId: string, w: Watch | undefined): number {
    return Math.max(this.deps.sessions.meteredCost(userId, sessionId), w?.harnessCost ?? 0);
  }

  /** Over its cap, a run is stopped (the turn aborted) and recorded as failed. */
  private checkCap(w: Watch): void {
    if (w.spendCap === null) return;
    const cost = this.costOf(w.userId, w.sessionId, w);
    if (cost <= w.spendCap) return;
    const reason = `spend cap reached: $${cost.toFixed(4)} of $${w.spendCap.toFixed(4)}`;
    if (this.finish(w.runId, "failed", reason)) void this.deps.sessions.abort(w.userId, w.sessionId);
  }
}

import type { Database } from "bun:sqlite";
import * as v from "valibot";
import type { HistoryStore } from "../history/store.ts";
import { resolveModel } from "../llm/providers.ts";
import type { LlmService } from "../llm/service.ts";
import type { AgentEvent } from "../protocol/agent-events.ts";
import { agentEventSchema } from "../protocol/agent-events.ts";
import type { ThinkingLevel } from "../protocol/agent-message.ts";
import { fail, ok, type Result } from "../protocol/errors.ts";
import type { SessionHub } from "../sessions/hub.ts";
import type { SessionService } from "../sessions/service.ts";
import type { Logger } from "../shared/log.ts";
import { projectsRepo } from "../storage/projects.ts";
import { schedulesRepo } from "../storage/schedules.ts";
import { usersRepo } from "../storage/users.ts";
import { type Clock, systemClock } from "./clock.ts";
import { ScheduleEvents } from "./events.ts";
import { HookService } from "./hooks.ts";
import { type RunSessions, RunTracker } from "./runs.ts";
import { Scheduler } from "./scheduler.ts";
import { ScheduleService } from "./service.ts";

export interface SchedulesConfig {
  graceMs: number;
  maxRunMs: number;
  minIntervalMs: number;
  hookMaxBodyBytes: number;
  hookReplayWindowMs: number;
  hookRatePerMinute: number;
}

/** Schedules, webhooks and their runs, wired once (src/server/services.ts). */
export interface ScheduleModule {
  schedules: ScheduleService;
  hooks: HookService;
  runs: RunTracker;
  scheduler: Scheduler;
  /** "A scheduled run finished / failed": notifications subscribe here. */
  events: ScheduleEvents;
  /** After the agents are re-attached: catch up on runs that went on while the server was away, then fire. */
  start(): void;
  stop(): void;
}

/** Schedules may name any model of a configured provider. */
export const modelChecker =
  (llm: LlmService) =>
  (model: string): Result<unknown> => {
    const r = resolveModel(llm.providerDeps, model);
    return r.ok ? r : fail("validation_failed", `model: ${r.error.message}`);
  };

/** Runs happen in ordinary conversations: `SessionService` as the owner, the prompt sent like a person's. */
export function sessionRuns(deps: {
  db: Database;
  sessions: SessionService;
  historyFor: (userId: string) => HistoryStore;
  llm: LlmService;
}): RunSessions {
  const userOf = (userId: string) => {
    const u = usersRepo(deps.db).byId(userId);
    return u ? { id: u.id, username: u.username, role: u.role as "admin" | "user" } : null;
  };
  return {
    async create(userId, projectId, model) {
      const user = userOf(userId);
      if (!user) return fail("not_found", "the schedule's owner no longer exists");
      const r = await deps.sessions.create(user, {
        cmd: "session.create",
        project_id: projectId,
        ...(model ? { model } : {}),
      });
      return r.ok ? ok(r.value.session_id) : r;
    },
    async prompt(userId, sessionId, p) {
      const user = userOf(userId);
      if (!user) return fail("not_found", "the schedule's owner no longer exists");
      const named = await deps.sessions.run(user, {
        cmd: "set_session_name",
        session_id: sessionId,
        name: p.title,
      });
      if (!named.ok) return named;
      if (p.thinking) {
        const level = await deps.sessions.run(user, {
          cmd: "set_thinking_level",
          session_id: sessionId,
          level: p.thinking as ThinkingLevel,
        });
        if (!level.ok) return level;
      }
      const sent = await deps.sessions.run(user, {
        cmd: "prompt",
        session_id: sessionId,
        message: p.prompt,
        client_id: p.clientId,
      });
      return sent.ok ? ok(sent.data) : sent;
    },
    async abort(userId, sessionId) {
      const user = userOf(userId);
      if (user) await deps.sessions.run(user, { cmd: "abort", session_id: sessionId });
    },
    events(userId, sessionId) {
      const store = deps.historyFor(userId);
      const out: AgentEvent[] = [];
      for (let after = 0; ; ) {
        const page = store.replay(sessionId, after, 1000);
        if (page.length === 0) return out;
        for (const e of page) {
          const parsed = v.safeParse(agentEventSchema, JSON.parse(e.body));
          if (parsed.success) out.push(parsed.output);
          after = e.seq;
        }
      }
    },
    meteredCost(userId, sessionId) {
      return deps.llm.usage({ userId, admin: false }, { session_id: sessionId }).totals.cost;
    },
  };
}

export function createScheduleModule(deps: {
  db: Database;
  hub: SessionHub;
  sessions: RunSessions;
  /** A model schedules and hooks may name (`provider/model`). */
  checkModel: (model: string) => Result<unknown>;
  config: SchedulesConfig;
  log: Logger;
  clock?: Clock;
  /** A project's schedules or runs changed (the mux `changes` channel, area `schedules`). */
  changed?: (userId: string, projectId: string) => void;
}): ScheduleModule {
  const clock = deps.clock ?? systemClock;
  const now = () => clock.now();
  const repo = schedulesRepo(deps.db);
  const events = new ScheduleEvents();
  const runs = new RunTracker({
    repo,
    sessions: deps.sessions,
    events,
    clock,
    maxRunMs: deps.config.maxRunMs,
    changed: deps.changed,
    log: deps.log,
  });
  const scheduler = new Scheduler({ repo, runs, clock, graceMs: deps.config.graceMs, log: deps.log });
  const ownsProject = (userId: string, projectId: string) =>
    projectsRepo(deps.db).byId(projectId)?.user_id === userId;
  const { checkModel } = deps;
  const schedules = new ScheduleService({
    repo,
    runs,
    scheduler,
    ownsProject,
    checkModel,
    now,
    changed: deps.changed,
    minIntervalMs: deps.config.minIntervalMs,
  });
  const hooks = new HookService({
    repo,
    runs,
    ownsProject,
    checkModel,
    now,
    maxBodyBytes: deps.config.hookMaxBodyBytes,
    replayWindowMs: deps.config.hookReplayWindowMs,
    defaultRatePerMinute: deps.config.hookRatePerMinute,
  });
  let stopped = false;
  const unobserve = deps.hub.observe((userId, session, stored) => runs.onEvents(userId, session.id, stored));
  return {
    schedules,
    hooks,
    runs,
    scheduler,
    events,
    start() {
      // The server may have been stopped while its agents were still being re-attached.
      if (stopped) return;
      const watched = runs.recover();
      if (watched > 0)
        deps.log.info("watching runs that went on while the server was away", { runs: watched });
      scheduler.start();
    },
    stop() {
      stopped = true;
      scheduler.stop();
      runs.stop();
      unobserve();
    },
  };
}

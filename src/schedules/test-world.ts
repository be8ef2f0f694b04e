import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HistoryStore } from "../history/store.ts";
import type { AgentEvent } from "../protocol/agent-events.ts";
import { ok } from "../protocol/errors.ts";
import { newId } from "../protocol/ids.ts";
import { SessionHub } from "../sessions/hub.ts";
import { createLogger } from "../shared/log.ts";
import { openMainDb } from "../storage/main-db.ts";
import { seedUserProject } from "../storage/seed.ts";
import { type Clock, FakeClock } from "./clock.ts";
import type { ScheduleEvent } from "./events.ts";
import type { RunSessions } from "./runs.ts";
import { createScheduleModule, type ScheduleModule } from "./wiring.ts";

/**
 * For the scheduler's fake-clock tests: the real main database, history store, hub and schedule
 * module, with a stand-in for the agent (the only part not run for real here: starting pi and a
 * model for every cron tick would make timing tests slow; test/schedules/ runs real agents).
 * The stand-in stores the events an agent would, through the real hub.
 */
export class StandInAgents implements RunSessions {
  readonly prompts: { sessionId: string; prompt: string; title: string; thinking: string | null }[] = [];
  readonly aborted: string[] = [];
  readonly metered = new Map<string, number>();
  readonly projectOf = new Map<string, string>();
  failCreate: string | null = null;
  /** End each turn as soon as it starts (benchmarks). */
  autoFinish = false;

  constructor(
    private readonly hub: SessionHub,
    private readonly history: HistoryStore,
  ) {}

  async create(userId: string, projectId: string) {
    if (this.failCreate)
      return { ok: false as const, error: { code: "no_provider" as const, message: this.failCreate } };
    const id = newId("ses");
    this.projectOf.set(id, projectId);
    this.hub.publish(userId, { id, project_id: projectId }, [
      { event: "session.created" },
      { event: "agent.idle" },
    ]);
    return ok(id);
  }

  async prompt(
    userId: string,
    sessionId: string,
    p: { title: string; prompt: string; thinking: string | null },
  ) {
    this.prompts.push({ sessionId, ...p });
    this.emit(userId, sessionId, [{ event: "agent.working", phase: "model" }]);
    if (this.autoFinish) this.emit(userId, sessionId, [{ event: "agent.idle" }]);
    return ok({});
  }

  async abort(userId: string, sessionId: string) {
    this.aborted.push(sessionId);
    this.emit(userId, sessionId, [{ event: "agent.idle" }]);
  }

  events(_userId: string, sessionId: string): AgentEvent[] {
    return this.history.replay(sessionId, 0, 100_000).map((e) => JSON.parse(e.body) as AgentEvent);
  }

  meteredCost(_userId: string, sessionId: string): number {
    return this.metered.get(sessionId) ?? 0;
  }

  emit(userId: string, sessionId: string, events: AgentEvent[]): void {
    this.hub.publish(userId, { id: sessionId, project_id: this.projectOf.get(sessionId) ?? "" }, events);
  }

  /** The turn ends (store-only: as if it happened while no server listened, when `hub` is false). */
  finish(userId: string, sessionId: string, opts: { via?: "hub" | "history" } = {}): void {
    const events: AgentEvent[] = [{ event: "agent.idle" }];
    if (opts.via === "history")
      this.history.append(
        { id: sessionId, project_id: this.projectOf.get(sessionId) ?? "" },
        events,
        Date.now(),
      );
    else this.emit(userId, sessionId, events);
  }
}

export function scheduleWorld(startAt: number, graceMs = 3_600_000, realClock?: Clock) {
  const dir = mkdtempSync(join(tmpdir(), "octo-sched-"));
  const opened = openMainDb(":memory:");
  if (!opened.ok) throw new Error(opened.error.message);
  const db = opened.value;
  const store = HistoryStore.open(join(dir, "history.db"));
  if (!store.ok) throw new Error(store.error.message);
  const history = store.value;
  const fake = new FakeClock(startAt);
  const clock: Clock = realClock ?? fake;
  const { userId, projectId } = seedUserProject(db);
  const heard: ScheduleEvent[] = [];
  let hub = new SessionHub(() => history);
  let agents = new StandInAgents(hub, history);
  const build = (): ScheduleModule => {
    const m = createScheduleModule({
      db,
      hub,
      sessions: agents,
      checkModel: (model) =>
        model === "fx/fake-1"
          ? ok(null)
          : { ok: false, error: { code: "validation_failed", message: "model: unknown" } },
      config: {
        graceMs,
        maxRunMs: 2 * 3_600_000,
        minIntervalMs: realClock ? 0 : 60_000,
        hookMaxBodyBytes: 4096,
        hookReplayWindowMs: 86_400_000,
        hookRatePerMinute: 5,
      },
      log: createLogger({ level: "error", write: () => {} }),
      clock,
    });
    m.events.on((e) => heard.push(e));
    return m;
  };
  const world = {
    db,
    history,
    clock: fake,
    userId,
    projectId,
    scope: { userId, projectId },
    heard,
    get agents() {
      return agents;
    },
    module: build(),
    /** Let background launches finish (they await the stand-in), then wait for nothing else. */
    settle: async () => {
      await world.module.runs.settled();
    },
    /** Stop the module as a server stop would, and build a fresh one (nothing kept in memory). */
    async restart(opts: { downFor?: number; beforeStart?: () => void } = {}) {
      world.module.stop();
      if (opts.downFor) await fake.advance(opts.downFor);
      const before = agents.projectOf;
      hub = new SessionHub(() => history);
      agents = new StandInAgents(hub, history);
      for (const [s, p] of before) agents.projectOf.set(s, p);
      world.module = build();
      opts.beforeStart?.();
      world.module.start();
    },
    close() {
      world.module.stop();
      history.close();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return world;
}

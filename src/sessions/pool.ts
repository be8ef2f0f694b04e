import type { MuxUser } from "../mux/connection.ts";
import type { AgentCommand } from "../protocol/agent-commands.ts";
import type { AgentEvent } from "../protocol/agent-events.ts";
import { fail, ok, type Result } from "../protocol/errors.ts";
import { TOOL_TOKEN_ENV } from "../protocol/tools.ts";
import type { RunnerClient } from "../runners/client.ts";
import { agentMemory } from "../runners/manager.ts";
import type { ProjectPlace } from "../runners/placement.ts";
import { projectsRepo } from "../storage/projects.ts";
import type { SessionRow } from "../storage/sessions.ts";
import { usersRepo } from "../storage/users.ts";
import { AgentLink } from "./agent-link.ts";
import { notFound, type SessionContext } from "./context.ts";
import { agentSpawnSpec, type ForkPoint, LLM_URL_PLACEHOLDER } from "./launch.ts";

/**
 * A spare is discarded by the reaper after this many idle timeouts (30 min at the default 5 min:
 * the lifetime every agent had before conversations were reaped early).
 */
export const SPARE_IDLE_FACTOR = 6;

/**
 * The running agents, one per session at most: launched on demand, revived once when a command
 * finds the agent or its runner gone, stopped when idle, and re-attached after a server restart.
 * An agent is a worker that can be stopped at any time; the history store is what the user sees.
 */
export class AgentPool {
  private readonly links = new Map<string, AgentLink>();
  private readonly launching = new Map<string, Promise<Result<AgentLink>>>();
  /** Sessions with a command on its way to their agent, and how many. */
  private readonly inFlight = new Map<string, number>();
  /** Runner users whose memory ceiling is being enforced right now (one pass at a time). */
  private readonly enforcing = new Set<string>();
  /** Waiting for an agent to announce its state (`whenUp`). */
  private readonly upWaiters = new Map<string, Set<() => void>>();

  /**
   * A reaped conversation's revival through a warm spare (revive.ts); null when it took none and
   * the agent starts cold.
   */
  reviver: ((username: string, row: SessionRow) => Promise<Result<AgentLink> | null>) | null = null;

  constructor(
    private readonly ctx: SessionContext,
    /** Each stored batch of an agent's events (titles, activity). */
    private readonly onEvents: (link: AgentLink, events: readonly AgentEvent[]) => void,
  ) {}

  /** Forward a command to the session's agent, reviving it first if it was reaped or crashed. */
  async send(user: MuxUser, row: SessionRow, c: AgentCommand): Promise<Result<unknown>> {
    if (row.status === "closed") return fail("conflict", "this session is closed");
    const link = await this.ensure(user.username, row, true);
    if (!link.ok) return link;
    this.ctx.activity.touch(row.id);
    const r = await this.tracked(row.id, () => link.value.command(c));
    if (r.ok || (r.error.code !== "agent_crashed" && r.error.code !== "runner_unavailable")) return r;
    // The agent process is gone (pi crashed, or its runner died): revive once and retry. Asking the
    // manager for the runner again replaces a runner that is no longer there.
    if (r.error.code === "runner_unavailable") {
      const fresh = await this.ctx.deps.runners.forUser(this.ctx.deps.placement.runnerUser(user.username));
      if (!fresh.ok || fresh.value === link.value.client) return r;
    }
    link.value.gone = true;
    this.links.delete(row.id);
    const again = await this.ensure(user.username, { ...row, proc_id: null }, true);
    if (!again.ok) return again;
    return this.tracked(row.id, () => again.value.command(c));
  }

  /** A command on its way to the agent: its session is not idle, whatever the agent said last. */
  private async tracked<T>(sessionId: string, run: () => Promise<T>): Promise<T> {
    this.inFlight.set(sessionId, (this.inFlight.get(sessionId) ?? 0) + 1);
    try {
      return await run();
    } finally {
      const n = (this.inFlight.get(sessionId) ?? 1) - 1;
      if (n > 0) this.inFlight.set(sessionId, n);
      else this.inFlight.delete(sessionId);
    }
  }

  /** The session's live agent, or one launched for it (one launch at a time per session). */
  ensure(username: string, row: SessionRow, resume: boolean, fork?: ForkPoint): Promise<Result<AgentLink>> {
    const live = this.links.get(row.id);
    if (live && !live.gone && !live.stale) return Promise.resolve(ok(live));
    if (live) {
      this.links.delete(row.id);
      if (live.stale) this.closeLostTurn(row, "its runner ended");
    }
    let pending = this.launching.get(row.id);
    if (!pending) {
      pending = this.launch(username, row, resume, fork).finally(() => this.launching.delete(row.id));
      this.launching.set(row.id, pending);
    }
    return pending;
  }

  private async launch(
    username: string,
    row: SessionRow,
    resume: boolean,
    fork?: ForkPoint,
  ): Promise<Result<AgentLink>> {
    const { deps } = this.ctx;
    const problem = deps.sandboxProblem?.();
    if (problem) return fail("sandbox_unavailable", problem);
    const project = projectsRepo(deps.db).byId(row.project_id);
    if (!project) return notFound();
    if (resume && !fork && row.status !== "spare" && this.reviver) {
      const revived = await this.reviver(username, row);
      if (revived) return revived;
    }
    const place = deps.placement.project(username, project.slug);
    const client = await deps.runners.forUser(place.runnerUser);
    if (!client.ok) return client;
    // The gateway serves the user's socket in their gateway directory; the sandbox binds the directory.
    const socket = await deps.llm.gateway.ensureUser(row.user_id, username);
    if (!socket.ok) return socket;
    const token = deps.llm.tokens.issue({
      userId: row.user_id,
      projectId: row.project_id,
      sessionId: row.id,
    });
    const toolToken = deps.toolTokens?.issue({
      userId: row.user_id,
      projectId: row.project_id,
      sessionId: row.id,
    });
    const spawned = await client.value.spawn(
      agentSpawnSpec(row, {
        projectDir: place.projectDir,
        gatewayDir: place.gateway.dir,
        env: { ...deps.llm.piEnv(token), ...(toolToken ? { [TOOL_TOKEN_ENV]: toolToken } : {}) },
        models: deps.llm.piModels({ llmUrl: LLM_URL_PLACEHOLDER }),
        resume,
        fork,
      }),
    );
    if (!spawned.ok) {
      deps.log.warn("agent launch failed", { session: row.id, error: spawned.error.message });
      return spawned;
    }
    const now = this.ctx.now();
    // A spare stays one until it is claimed (warm.ts); a claim may have happened while it started.
    const status = this.ctx.repo.byId(row.id)?.status === "spare" ? "spare" : "ready";
    this.ctx.repo.update(row.id, { status, proc_id: spawned.value.proc, last_active_at: now }, now);
    const linked = await this.link({ ...row, proc_id: spawned.value.proc }, client.value, true);
    // One more agent: make room under the user's memory ceiling (in the background; never this one).
    const ceiling = deps.agentMemoryCeilingBytes ?? 0;
    if (linked.ok && ceiling > 0) void this.reapForMemory(place.runnerUser, ceiling, row.id);
    return linked;
  }

  private async link(
    row: SessionRow,
    client: RunnerClient,
    starting = false,
    adoptedAfter = 0,
  ): Promise<Result<AgentLink>> {
    if (!row.proc_id) return fail("internal", "session has no agent process");
    const { deps } = this.ctx;
    const link = new AgentLink(
      { id: row.id, project_id: row.project_id, user_id: row.user_id },
      row.proc_id,
      {
        hub: deps.hub,
        history: deps.historyFor(row.user_id),
        client,
        log: deps.log,
        onEvents: (l, events) => {
          this.onEvents(l, events);
          this.wakeUpWaiters(l.session.id);
        },
        onGone: (l, why, lost) => {
          this.onGone(l, why, lost);
          this.wakeUpWaiters(l.session.id);
        },
      },
      adoptedAfter,
    );
    link.starting = starting;
    this.links.set(row.id, link);
    const attached = await link.attach();
    if (!attached.ok) {
      this.links.delete(row.id);
      return attached;
    }
    return ok(link);
  }

  /** Whether the session's agent is live or starting under this server (a spare worth claiming). */
  holds(sessionId: string): boolean {
    const link = this.links.get(sessionId);
    return (link !== undefined && !link.gone && !link.stale) || this.launching.has(sessionId);
  }

  /** Whether the spare's agent is up and has announced its state. */
  readySpare(sessionId: string): boolean {
    const link = this.links.get(sessionId);
    return (
      link !== undefined && !link.gone && !link.stale && !link.starting && !this.launching.has(sessionId)
    );
  }

  /**
   * Resolves true once the agent of `sessionId` has announced its state (at once if it has), false
   * when it is gone or not up within `ms`. A spare still starting got a head start on a cold start.
   */
  async whenUp(sessionId: string, ms: number): Promise<boolean> {
    const pending = this.launching.get(sessionId);
    if (pending && !(await pending).ok) return false;
    const up = (): boolean | null => {
      const link = this.links.get(sessionId);
      if (!link || link.gone || link.stale) return false;
      return link.starting ? null : true;
    };
    const now = up();
    if (now !== null) return now;
    return new Promise((resolve) => {
      const waiters = this.upWaiters.get(sessionId) ?? new Set();
      this.upWaiters.set(sessionId, waiters);
      const done = (v: boolean) => {
        clearTimeout(timer);
        waiters.delete(check);
        if (waiters.size === 0) this.upWaiters.delete(sessionId);
        resolve(v);
      };
      const check = () => {
        const v = up();
        if (v !== null) done(v);
      };
      const timer = setTimeout(() => done(false), ms);
      waiters.add(check);
    });
  }

  private wakeUpWaiters(sessionId: string): void {
    for (const check of [...(this.upWaiters.get(sessionId) ?? [])]) check();
  }

  /**
   * Let go of a taken spare's link (revive.ts): what it sent so far is stored and acknowledged
   * under the spare, and its process, left running, goes on for another session after `watermark`.
   */
  async release(
    sessionId: string,
  ): Promise<{ client: RunnerClient; proc: string; watermark: number } | null> {
    const link = this.links.get(sessionId);
    if (!link || link.gone || link.stale) return null;
    this.links.delete(sessionId);
    link.gone = true;
    await link.detach().catch(() => undefined);
    this.ctx.activity.end(sessionId);
    return { client: link.client, proc: link.proc, watermark: link.watermark };
  }

  /** A released spare's process, now `row`'s agent: linked from after the spare's last event. */
  adopted(
    row: SessionRow,
    client: RunnerClient,
    proc: string,
    watermark: number,
  ): Promise<Result<AgentLink>> {
    const now = this.ctx.now();
    this.ctx.repo.update(row.id, { status: "ready", proc_id: proc, last_active_at: now }, now);
    return this.link({ ...row, status: "ready", proc_id: proc }, client, false, watermark);
  }

  /** Remove a spare no one claimed (warm.ts): its agent, tokens, history and row; nothing remains. */
  async discard(row: SessionRow): Promise<void> {
    const pending = this.launching.get(row.id);
    if (pending) await pending;
    await this.stop(row);
    this.ctx.deps.llm.tokens.revokeSession(row.id);
    this.ctx.deps.hub.dropSession(row.id);
    this.ctx.deps.historyFor(row.user_id).deleteSession(row.id);
    this.ctx.repo.delete(row.id);
  }

  /** Stop the session's agent, wherever it runs (also one this server no longer holds a link to). */
  async stop(row: SessionRow): Promise<void> {
    const link = this.links.get(row.id);
    this.links.delete(row.id);
    if (link) link.gone = true;
    const place = this.placeOf(row);
    if (place) {
      const client = await this.ctx.deps.runners.forUser(place.runnerUser);
      if (client.ok) await client.value.killTag(row.id);
      if (link) await link.detach().catch(() => undefined);
    }
    this.ctx.activity.end(row.id);
  }

  private onGone(link: AgentLink, why: string, lost: boolean): void {
    if (this.links.get(link.session.id) !== link) return;
    this.links.delete(link.session.id);
    this.ctx.activity.end(link.session.id);
    const row = this.ctx.repo.byId(link.session.id);
    if (row?.status === "spare") {
      void this.discard(row);
      return;
    }
    if (row && row.status !== "closed") {
      // An agent that exited ends its own turn (pi's adapter says so after the exit event).
      if (lost) this.closeLostTurn(row, why);
      this.sleep(row.id);
      this.ctx.deps.log.info("agent stopped; it will be revived on the next prompt", {
        session: row.id,
        why,
      });
    }
  }

  /**
   * An agent that went away mid-answer without ending its turn (pi ends it when only pi dies; not
   * when its runner took it along): end the turn in the history, so no client waits on it forever.
   */
  private closeLostTurn(row: SessionRow, why: string): void {
    if (!this.ctx.deps.historyFor(row.user_id).midTurn(row.id)) return;
    this.ctx.publish(row, [
      {
        event: "agent.error",
        error: { code: "agent_crashed", message: `the agent stopped mid-answer (${why})` },
        recoverable: true,
      },
      { event: "agent.idle" },
    ]);
  }

  /** After a server restart: re-attach to agents that kept running under their runners. */
  async resumeLive(): Promise<number> {
    let resumed = 0;
    for (const row of this.ctx.repo.live()) {
      const place = this.placeOf(row);
      if (!place) continue;
      const client = await this.ctx.deps.runners.forUser(place.runnerUser);
      if (!client.ok) {
        this.sleep(row.id);
        continue;
      }
      // A gateway serves every user's socket from its start; this starts one if none is running.
      const username = usersRepo(this.ctx.deps.db).usernameOf(row.user_id);
      if (username) {
        const socket = await this.ctx.deps.llm.gateway.ensureUser(row.user_id, username);
        if (!socket.ok)
          this.ctx.deps.log.warn("llm gateway unavailable", { session: row.id, ...socket.error });
      }
      const linked = await this.link(row, client.value);
      if (linked.ok && !linked.value.gone) resumed++;
      else this.sleep(row.id);
    }
    return resumed;
  }

  /**
   * Stop agents idle for longer than `olderThanMs`; they are revived on the next prompt. A spare
   * lasts SPARE_IDLE_FACTOR times longer: it is what revives the others without a wait.
   */
  async reapIdle(olderThanMs: number): Promise<string[]> {
    const reaped: string[] = [];
    const now = this.ctx.now();
    for (const [id, link] of this.links) {
      const row = this.ctx.repo.byId(id);
      if (!row || !this.isIdle(link)) continue;
      const idleFor = row.status === "spare" ? olderThanMs * SPARE_IDLE_FACTOR : olderThanMs;
      if (this.lastActive(row) > now - idleFor) continue;
      await this.reap(row, "idle");
      reaped.push(id);
    }
    return reaped;
  }

  /**
   * Memory pressure: while the agents on a runner take more than `ceilingBytes` (PSS of each
   * agent's whole process tree, as the runner measures it), stop its idle agents, least recently
   * active first. `keep` (the agent just started for a prompt) is never chosen.
   */
  async reapForMemory(runnerUser: string, ceilingBytes: number, keep?: string): Promise<string[]> {
    if (ceilingBytes <= 0 || this.enforcing.has(runnerUser)) return [];
    this.enforcing.add(runnerUser);
    try {
      const client = await this.ctx.deps.runners.forUser(runnerUser);
      if (!client.ok) return [];
      const status = await client.value.status();
      if (!status.ok) return [];
      const agents = agentMemory(status.value.process_memory ?? []);
      let total = agents.reduce((sum, a) => sum + a.pss_bytes, 0);
      const candidates = agents
        .map((a) => ({ ...a, link: this.links.get(a.session_id), row: this.ctx.repo.byId(a.session_id) }))
        .filter((a) => a.session_id !== keep && a.link?.proc === a.proc && a.row && this.isIdle(a.link))
        .sort((a, b) => spareFirst(a.row as SessionRow, b.row as SessionRow, (r) => this.lastActive(r)));
      const reaped: string[] = [];
      for (const a of candidates) {
        if (total <= ceilingBytes) break;
        await this.reap(a.row as SessionRow, "memory");
        total -= a.pss_bytes;
        reaped.push(a.session_id);
      }
      if (reaped.length > 0)
        this.ctx.deps.log.info("stopped idle agents: over the memory ceiling", {
          runner: runnerUser,
          sessions: reaped,
          ceiling_mb: Math.round(ceilingBytes / 1048576),
        });
      return reaped;
    } finally {
      this.enforcing.delete(runnerUser);
    }
  }

  /** Every runner user with a live agent (where the memory ceiling is checked). */
  runnerUsers(): string[] {
    const users = new Set<string>();
    for (const id of this.links.keys()) {
      const row = this.ctx.repo.byId(id);
      const place = row && this.placeOf(row);
      if (place) users.add(place.runnerUser);
    }
    return [...users];
  }

  private isIdle(link: AgentLink | undefined): boolean {
    // A starting agent is not idle: its idle time counts from its first event (pi answering).
    return (
      link !== undefined && !link.gone && !link.busy && !link.starting && !this.inFlight.has(link.session.id)
    );
  }

  private lastActive(row: SessionRow): number {
    return this.ctx.activity.latest(row.id) ?? row.last_active_at;
  }

  /** Stop an idle agent and say so in its history; the next prompt starts it again. */
  private async reap(row: SessionRow, reason: "idle" | "memory"): Promise<void> {
    if (row.status === "spare") return this.discard(row);
    await this.stop(row);
    this.sleep(row.id);
    this.ctx.publish(row, [{ event: "agent.stopped", reason }]);
  }

  /** Server shutdown: store what the agents sent so far; the agents keep running under their runners. */
  detachAll(): void {
    for (const link of this.links.values()) link.flushAndAck();
    this.links.clear();
  }

  private sleep(sessionId: string): void {
    this.ctx.repo.update(sessionId, { status: "sleeping", proc_id: null }, this.ctx.now());
  }

  private placeOf(row: SessionRow): ProjectPlace | null {
    const username = usersRepo(this.ctx.deps.db).usernameOf(row.user_id);
    const project = projectsRepo(this.ctx.deps.db).byId(row.project_id);
    return username && project ? this.ctx.deps.placement.project(username, project.slug) : null;
  }
}

/** Memory pressure stops spares (no one is using them) before any conversation's agent, oldest first. */
function spareFirst(a: SessionRow, b: SessionRow, lastActive: (r: SessionRow) => number): number {
  const spare = Number(b.status === "spare") - Number(a.status === "spare");
  return spare !== 0 ? spare : lastActive(a) - lastActive(b);
}

import type { SearchHit } from "../history/store.ts";
import type { AgentService, CommandResult, MuxUser } from "../mux/connection.ts";
import { getProject, listProjects } from "../projects/service.ts";
import type { AgentCommand, AgentCommandOf } from "../protocol/agent-commands.ts";
import type { AgentEvent } from "../protocol/agent-events.ts";
import { fail, ok, type Result } from "../protocol/errors.ts";
import type { Session } from "../protocol/projects.ts";
import { type Need, requireProject } from "../sharing/access.ts";
import { readableScopes } from "../sharing/reach.ts";
import { projectMembersRepo } from "../storage/project-members.ts";
import type { ProjectRow } from "../storage/projects.ts";
import type { SessionRow } from "../storage/sessions.ts";
import type { AgentLink } from "./agent-link.ts";
import { dispatch, ownedSession, sessionFor, viewableSession } from "./commands.ts";
import { createSessionContext, type SessionContext, type SessionServiceDeps } from "./context.ts";
import { copyConversation } from "./fork.ts";
import { createSession, deleteSession, newConversationShape } from "./lifecycle.ts";
import { AgentPool } from "./pool.ts";
import { reviveThroughSpare } from "./revive.ts";
import { retitle, titleFromEvents } from "./titles.ts";
import { WarmPool } from "./warm.ts";

export type { SessionServiceDeps } from "./context.ts";
export { autoTitle } from "./titles.ts";

/**
 * Sessions: the platform's `ses_…` ids, their agents under the user's runner, and the commands on them.
 * The history store is the authority for what a user sees; the agent is a worker that can be stopped
 * (idle, crash, runner restart) and revived from pi's own session file on the next prompt.
 *
 * This is the front the server, the routes and the mux use; the work is in `commands.ts` (dispatch),
 * `lifecycle.ts` and `fork.ts` (sessions), `pool.ts` (the running agents), `launch.ts` (what the runner
 * is asked to start), `titles.ts` and `activity.ts`.
 */
export class SessionService implements AgentService {
  private readonly ctx: SessionContext;
  private readonly pool: AgentPool;
  private readonly warm: WarmPool;
  private reaper: ReturnType<typeof setInterval> | null = null;

  constructor(private readonly deps: SessionServiceDeps) {
    this.ctx = createSessionContext(deps);
    this.pool = new AgentPool(this.ctx, (link, events) => this.onAgentEvents(link, events));
    this.warm = new WarmPool(this.ctx, this.pool);
    this.pool.reviver = (username, row) => reviveThroughSpare(this.ctx, this.pool, this.warm, username, row);
  }

  /** The owner, or someone the session is shared with (read-only: every command still needs the owner). */
  canWatch(user: Pick<MuxUser, "id">, sessionId: string) {
    const seen = viewableSession(this.ctx, user, sessionId);
    return seen.ok ? { ok: true as const, ownerId: seen.value.row.user_id } : seen;
  }

  /** The session as the caller may read it: their own (`owner`) or shared with them (`viewer`). */
  viewable(
    user: Pick<MuxUser, "id">,
    sessionId: string,
  ): Result<{ row: SessionRow; role: "owner" | "viewer" }> {
    return viewableSession(this.ctx, user, sessionId);
  }

  /** The owner's own session row (for the owner-only parts of sharing). */
  owned(user: Pick<MuxUser, "id">, sessionId: string): Result<SessionRow> {
    return ownedSession(this.ctx, user, sessionId);
  }

  /**
   * A copy of a session's history as a new conversation of `user` in one of their projects (the
   * given one, else their most recently used); the caller has checked they may read `source`.
   */
  async copyInto(
    user: { id: string; username: string },
    source: SessionRow,
    projectId: string | undefined,
    title: string,
  ): Promise<Result<{ session_id: string; project_id: string }>> {
    let project: Result<ProjectRow>;
    if (projectId !== undefined) project = getProject(this.deps.projects, user, projectId);
    else {
      const latest = listProjects(this.deps.projects, user)[0];
      project = latest ? ok(latest) : fail("not_found", "you have no project to fork into; create one first");
    }
    if (!project.ok) return project;
    const providers = this.deps.llm.ensureProviders();
    if (!providers.ok) return providers;
    const r = await copyConversation(this.ctx, this.pool, user, source, project.value, title);
    return r.ok ? ok({ session_id: r.value.session_id, project_id: project.value.id }) : r;
  }

  async run(user: MuxUser, command: AgentCommand): Promise<CommandResult> {
    const r = await dispatch(this.ctx, this.pool, this.warm, user, command);
    return r.ok ? { ok: true, data: r.value } : r;
  }

  create(user: MuxUser, c: AgentCommandOf<"session.create">): Promise<Result<{ session_id: string }>> {
    return createSession(this.ctx, this.pool, this.warm, user, c);
  }

  /**
   * The user is looking at a project: have a spare agent ready for the conversation they may start
   * there (`runner.warm_agents`; in the background). Resolves when the pool is filled.
   */
  warmFor(owner: { id: string; username: string }, projectId: string): Promise<void> {
    const project = getProject(this.deps.projects, owner, projectId);
    if (!project.ok) return Promise.resolve();
    return this.warm.refill(owner, newConversationShape(this.ctx, project.value));
  }

  /** A user is being deleted: stop every agent of theirs (their history goes with the user). */
  async deleteForUser(userId: string): Promise<void> {
    for (const spare of this.ctx.repo.spares(userId)) await this.pool.discard(spare);
    for (const row of this.ctx.repo.listForUser(userId, 100_000)) {
      await this.pool.stop(row);
      this.deps.llm.tokens.revokeSession(row.id);
    }
  }

  /** A project is being deleted: stop and delete each of its sessions. */
  async deleteForProject(owner: { id: string }, projectId: string): Promise<void> {
    for (const spare of this.ctx.repo.spares(owner.id))
      if (spare.project_id === projectId) await this.pool.discard(spare);
    for (const row of this.ctx.repo.listForProject(projectId, 100_000)) {
      if (row.user_id === owner.id) await deleteSession(this.ctx, this.pool, row);
    }
  }

  /** Settles when the start-up pass (`resumeLive`) has finished. */
  resumed: Promise<unknown> = Promise.resolve();

  /** After a server restart: re-attach to agents that kept running under their runners. */
  resumeLive(): Promise<number> {
    const pass = (async () => {
      // Spares from the previous run go: pi or the settings may have changed since they started.
      await this.warm.discardAll();
      return this.pool.resumeLive();
    })();
    this.resumed = pass.catch(() => undefined);
    return pass;
  }

  /** Stop agents idle for longer than the configured time; they are revived on the next prompt. */
  reapIdle(olderThanMs = this.deps.idleTimeoutMs): Promise<string[]> {
    return this.pool.reapIdle(olderThanMs);
  }

  /** Stop idle agents where a user's agents are over the memory ceiling (also checked at each launch). */
  async reapForMemory(): Promise<string[]> {
    const ceiling = this.deps.agentMemoryCeilingBytes ?? 0;
    if (ceiling <= 0) return [];
    const reaped: string[] = [];
    for (const user of this.pool.runnerUsers())
      reaped.push(...(await this.pool.reapForMemory(user, ceiling)));
    return reaped;
  }

  startReaper(intervalMs = Math.min(60_000, Math.max(1000, this.deps.idleTimeoutMs / 4))): void {
    this.reaper = setInterval(() => void this.reapIdle().then(() => this.reapForMemory()), intervalMs);
    this.reaper.unref?.();
  }

  async stop(): Promise<void> {
    if (this.reaper) clearInterval(this.reaper);
    this.pool.detachAll();
    this.ctx.activity.flushAll();
  }

  /** Each stored batch: an untitled session takes its title from the first user message; activity. */
  private onAgentEvents(link: AgentLink, events: readonly AgentEvent[]): void {
    const row = this.ctx.repo.byId(link.session.id);
    if (!row) return;
    if (!row.title) {
      const title = titleFromEvents(events);
      if (title) retitle(this.ctx, row, title);
    }
    this.ctx.activity.touch(row.id);
  }

  // ---------------------------------------------------------------- the HTTP API's read side

  /**
   * A session in its public shape if the caller's role meets `need` (owner-only by default; the
   * sessions routes read with "read"). Someone else's is not found.
   */
  info(user: Pick<MuxUser, "id">, sessionId: string, need: Need = "owner"): Result<Session> {
    const found = sessionFor(this.ctx, user, sessionId, need);
    return found.ok ? ok(publicSession(found.value.session)) : found;
  }

  /** Whose history store holds a session (its project owner's). */
  storeOf(sessionId: string): string | null {
    return this.ctx.repo.byId(sessionId)?.user_id ?? null;
  }

  /**
   * Full-text search over the conversations a person can read: their own, and those of projects
   * shared with them, which live in each owner's history (decision 0030). Best first by FTS5 rank.
   */
  search(
    user: Pick<MuxUser, "id">,
    query: string,
    opts: { projectId?: string; limit?: number },
  ): Result<Omit<SearchHit, "rank">[]> {
    const scopes = readableScopes(this.deps.db, user.id, opts.projectId);
    if (!scopes.ok) return scopes;
    const limit = Math.min(opts.limit ?? 50, 200);
    const hits: SearchHit[] = [];
    for (const scope of scopes.value) {
      const found = this.deps
        .historyFor(scope.historyOwner)
        .search(query, { ...(scope.projectId ? { projectId: scope.projectId } : {}), limit });
      if (!found.ok) return found;
      hits.push(...found.value);
    }
    hits.sort((a, b) => a.rank - b.rank);
    return ok(hits.slice(0, limit).map(({ rank: _, ...hit }) => hit));
  }

  /** Their own sessions and those of every project shared with them (decision 0030), newest first. */
  listReadable(user: Pick<MuxUser, "id">): Session[] {
    const shared = projectMembersRepo(this.deps.db)
      .sharedWith(user.id)
      .flatMap((p) => this.ctx.repo.listForProject(p.id));
    const all = [...this.ctx.repo.listForUser(user.id), ...shared];
    all.sort((a, b) => b.updated_at - a.updated_at || (a.id < b.id ? 1 : -1));
    return all.map(publicSession);
  }

  /** The sessions of one of the caller's projects (or one shared with them), newest first. */
  listForProject(caller: { id: string; username: string }, projectId: string): Result<Session[]> {
    const access = requireProject(this.deps.db, caller, projectId, "read");
    if (!access.ok) return access;
    const project = { value: access.value.row };
    if (access.value.role !== "viewer")
      void this.warm.refill(access.value.owner, newConversationShape(this.ctx, project.value));
    return ok(this.ctx.repo.listForProject(project.value.id).map(publicSession));
  }
}

/** A session as the API shows it: the row without its owner and the agent's internals. */
export const publicSession = (s: SessionRow): Session => ({
  id: s.id,
  project_id: s.project_id,
  title: s.title,
  model: s.model,
  profile: s.profile,
  // Never shown while a spare (ownership checks hide those); claimed, a spare is `ready`.
  status: s.status === "spare" ? "starting" : s.status,
  last_seq: s.last_seq,
  created_at: s.created_at,
  updated_at: s.updated_at,
  parent_id: s.parent_id,
  created_by: s.created_by ?? null,
});

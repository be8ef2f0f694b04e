import type { Database } from "bun:sqlite";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { HistoryStore } from "../history/store.ts";
import { piModelArgs } from "../llm/pi-config.ts";
import { defaultModel, resolveModel } from "../llm/providers.ts";
import type { LlmService } from "../llm/service.ts";
import type { AgentService, CommandResult, MuxUser } from "../mux/connection.ts";
import { getProject, type ProjectDeps } from "../projects/service.ts";
import type { AgentCommand, AgentCommandOf, ForkResult } from "../protocol/agent-commands.ts";
import type { AgentEvent } from "../protocol/agent-events.ts";
import { fail, ok, type Result } from "../protocol/errors.ts";
import { newId } from "../protocol/ids.ts";
import type { RunnerClient } from "../runners/client.ts";
import type { RunnerManager } from "../runners/manager.ts";
import type { Placement } from "../runners/placement.ts";
import type { Logger } from "../shared/log.ts";
import { projectsRepo } from "../storage/projects.ts";
import { type SessionRow, sessionsRepo } from "../storage/sessions.ts";
import { AgentLink } from "./agent-link.ts";
import type { SessionHub } from "./hub.ts";
import { LLM_URL_PLACEHOLDER } from "./launch.ts";

export interface SessionServiceDeps {
  db: Database;
  hub: SessionHub;
  historyFor: (userId: string) => HistoryStore;
  runners: RunnerManager;
  llm: LlmService;
  projects: ProjectDeps;
  placement: Placement;
  defaultModel: string;
  idleTimeoutMs: number;
  log: Logger;
  now?: () => number;
}

const notFound = () => fail("not_found", "no such session");
const AGENT_COMMANDS = new Set([
  "prompt",
  "steer",
  "follow_up",
  "abort",
  "queue.remove",
  "queue.edit",
  "queue.send_now",
  "input_response",
  "get_state",
  "set_model",
  "set_thinking_level",
  "compact",
  "set_session_name",
  "fork",
]);

/**
 * Sessions: the platform's `ses_…` ids, their agents under the user's runner, and the commands on them.
 * The history store is the authority for what a user sees; the agent is a worker that can be stopped
 * (idle, crash, runner restart) and revived from pi's own session file on the next prompt.
 */
export class SessionService implements AgentService {
  private readonly links = new Map<string, AgentLink>();
  private readonly launching = new Map<string, Promise<Result<AgentLink>>>();
  private reaper: ReturnType<typeof setInterval> | null = null;

  constructor(private readonly deps: SessionServiceDeps) {}

  private get now() {
    return (this.deps.now ?? Date.now)();
  }
  private get repo() {
    return sessionsRepo(this.deps.db);
  }

  /** Owner-only: someone else's session id is answered exactly like a missing one. */
  private owned(user: MuxUser, sessionId: string): Result<SessionRow> {
    const row = this.repo.byId(sessionId);
    return row && row.user_id === user.id ? ok(row) : notFound();
  }

  canWatch(user: MuxUser, sessionId: string) {
    const row = this.owned(user, sessionId);
    return row.ok ? { ok: true as const, ownerId: row.value.user_id } : row;
  }

  async run(user: MuxUser, command: AgentCommand): Promise<CommandResult> {
    const r = await this.dispatch(user, command);
    return r.ok ? { ok: true, data: r.value } : r;
  }

  private async dispatch(user: MuxUser, c: AgentCommand): Promise<Result<unknown>> {
    if (c.cmd === "session.create") return this.create(user, c);
    if (!("session_id" in c)) return fail("bad_request", `${(c as AgentCommand).cmd} needs a session_id`);
    const row = this.owned(user, c.session_id);
    if (!row.ok) return row;
    switch (c.cmd) {
      case "session.close":
        return this.close(row.value);
      case "session.delete":
        return this.delete(row.value);
      case "get_messages":
        return ok(
          this.deps
            .historyFor(row.value.user_id)
            .messagePage(row.value.id, { afterSeq: c.after_seq, limit: c.limit }),
        );
      case "prompt":
      case "steer":
      case "follow_up":
        return this.userMessage(user, row.value, c);
      case "set_model": {
        const model = resolveModel(this.deps.llm.providerDeps, c.model);
        if (!model.ok) return model;
        const r = await this.toAgent(user, row.value, c);
        if (r.ok) this.repo.update(row.value.id, { model: c.model }, this.now);
        return r;
      }
      case "fork":
        return this.fork(user, row.value, c.message_id);
      case "set_session_name": {
        const r = await this.toAgent(user, row.value, c);
        if (r.ok) this.retitle(row.value, c.name);
        return r;
      }
      default:
        if (!AGENT_COMMANDS.has((c as AgentCommand).cmd))
          return fail("unknown_command", `unknown command ${(c as AgentCommand).cmd}`);
        return this.toAgent(user, row.value, c);
    }
  }

  // ---------------------------------------------------------------- lifecycle

  async create(user: MuxUser, c: AgentCommandOf<"session.create">): Promise<Result<{ session_id: string }>> {
    const owner = { id: user.id, username: user.username };
    const project = getProject(this.deps.projects, owner, c.project_id);
    if (!project.ok) return project;
    const providers = this.deps.llm.ensureProviders();
    if (!providers.ok) return providers;
    const model =
      c.model ??
      project.value.default_model ??
      defaultModel(this.deps.llm.providerDeps, this.deps.defaultModel);
    const resolved = resolveModel(this.deps.llm.providerDeps, model);
    if (!resolved.ok) return resolved;
    const profile = c.profile ?? project.value.profile;
    if (!this.deps.projects.profiles().includes(profile)) {
      return fail("validation_failed", `profile: unknown sandbox profile ${profile}`);
    }
    const now = this.now;
    const row = newSessionRow(
      { user_id: user.id, project_id: project.value.id, title: "", model, profile, parent_id: null },
      now,
    );
    this.repo.insert(row);
    this.publish(row, [{ event: "session.created", model }]);
    const link = await this.ensureAgent(user.username, row, false);
    if (!link.ok) {
      this.repo.delete(row.id);
      this.deps.historyFor(user.id).deleteSession(row.id);
      return link;
    }
    projectsRepo(this.deps.db).touch(project.value.id, now);
    return ok({ session_id: row.id });
  }

  private async close(row: SessionRow): Promise<Result<unknown>> {
    await this.stopAgent(row);
    this.deps.llm.tokens.revokeSession(row.id);
    if (row.status !== "closed") {
      this.repo.update(row.id, { status: "closed", closed_at: this.now, proc_id: null }, this.now);
      this.publish(row, [{ event: "session.closed", reason: "closed" }]);
    }
    return ok({});
  }

  private async delete(row: SessionRow): Promise<Result<unknown>> {
    await this.stopAgent(row);
    this.deps.llm.tokens.revokeSession(row.id);
    this.publish(row, [{ event: "session.closed", reason: "deleted" }]);
    this.deps.hub.dropSession(row.id);
    this.deps.historyFor(row.user_id).deleteSession(row.id);
    this.repo.delete(row.id);
    return ok({});
  }

  /** A user is being deleted: stop every agent of theirs (their history goes with the user). */
  async deleteForUser(userId: string): Promise<void> {
    for (const row of this.repo.listForUser(userId, 100_000)) {
      await this.stopAgent(row);
      this.deps.llm.tokens.revokeSession(row.id);
    }
  }

  /** A project is being deleted: stop and delete each of its sessions. */
  async deleteForProject(owner: { id: string }, projectId: string): Promise<void> {
    for (const row of this.repo.listForProject(projectId, 100_000)) {
      if (row.user_id === owner.id) await this.delete(row);
    }
  }

  // ---------------------------------------------------------------- commands

  /** Prompts are deduplicated by `client_id`: a retried send is acknowledged, never run twice. */
  private async userMessage(
    user: MuxUser,
    row: SessionRow,
    c: AgentCommandOf<"prompt" | "steer" | "follow_up">,
  ): Promise<Result<unknown>> {
    if (row.status === "closed") return fail("conflict", "this session is closed");
    const history = this.deps.historyFor(row.user_id);
    if (!history.claimClientId(row.id, c.client_id, c.cmd)) return ok({ duplicate: true });
    const r = await this.toAgent(user, row, c);
    if (!r.ok) history.releaseClientId(row.id, c.client_id);
    return r;
  }

  /** Forward to the running agent, reviving it first if it was reaped or crashed. */
  private async toAgent(user: MuxUser, row: SessionRow, c: AgentCommand): Promise<Result<unknown>> {
    if (row.status === "closed") return fail("conflict", "this session is closed");
    const link = await this.ensureAgent(user.username, row, true);
    if (!link.ok) return link;
    this.repo.update(row.id, { last_active_at: this.now }, this.now);
    const r = await link.value.command(c);
    if (!r.ok && (r.error.code === "agent_crashed" || r.error.code === "runner_unavailable")) {
      // The agent process is gone (pi crashed, or its runner died): revive once and retry. Asking the
      // manager for the runner again replaces a runner that is no longer there.
      if (r.error.code === "runner_unavailable") {
        const fresh = await this.deps.runners.forUser(this.deps.placement.runnerUser(user.username));
        if (!fresh.ok || fresh.value === link.value.client) return r;
      }
      link.value.gone = true;
      this.links.delete(row.id);
      const again = await this.ensureAgent(user.username, { ...row, proc_id: null }, true);
      if (!again.ok) return again;
      return again.value.command(c);
    }
    return r;
  }

  // ---------------------------------------------------------------- agents

  /**
   * A new session branched before one of this session's user messages: its history is a copy of the
   * messages before that point, and its agent starts from a copy of pi's own files, forked there.
   */
  private async fork(user: MuxUser, row: SessionRow, messageId: string): Promise<Result<ForkResult>> {
    const history = this.deps.historyFor(row.user_id);
    const messages = history.messages(row.id, { limit: 1_000_000 });
    const at = messages.findIndex((m) => m.id === messageId && m.role === "user");
    const target = messages[at];
    if (!target) return fail("not_found", "no such user message in this session");
    const userIndex = messages.slice(0, at).filter((m) => m.role === "user").length;
    const now = this.now;
    const fork = newSessionRow({ ...row, title: `${row.title || "Session"} (fork)`, parent_id: row.id }, now);
    this.repo.insert(fork);
    this.publish(fork, [
      { event: "session.created", model: fork.model ?? undefined },
      { event: "session.title_changed", title: fork.title },
      ...messages
        .slice(0, at)
        .map((m) => ({ event: "stream.message_end" as const, message: { ...m, id: newId("msg") } })),
    ]);
    const link = await this.ensureAgent(user.username, fork, false, {
      fork_from: row.id,
      fork_at: userIndex,
    });
    if (!link.ok) {
      this.repo.delete(fork.id);
      history.deleteSession(fork.id);
      return link;
    }
    const text = target.parts.flatMap((p) => (p.type === "text" ? [p.text] : [])).join("\n");
    const images = target.parts.flatMap((p) => (p.type === "image" ? [p] : []));
    return ok({ session_id: fork.id, text, ...(images.length ? { images } : {}) });
  }

  private ensureAgent(
    username: string,
    row: SessionRow,
    resume: boolean,
    fork?: { fork_from: string; fork_at: number },
  ): Promise<Result<AgentLink>> {
    const live = this.links.get(row.id);
    if (live && !live.gone && !live.stale) return Promise.resolve(ok(live));
    if (live) this.links.delete(row.id);
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
    fork?: { fork_from: string; fork_at: number },
  ): Promise<Result<AgentLink>> {
    const project = projectsRepo(this.deps.db).byId(row.project_id);
    if (!project) return notFound();
    const place = this.deps.placement.project(username, project.slug);
    const client = await this.deps.runners.forUser(place.runnerUser);
    if (!client.ok) return client;
    mkdirSync(dirname(place.llmSocket), {
      recursive: true,
      mode: this.deps.placement.mode === "single-user" ? 0o700 : 0o711,
    });
    const socket = this.deps.llm.ensureSocket(row.user_id, place.llmSocket, place.llmSocketMode);
    const token = this.deps.llm.tokens.issue({
      userId: row.user_id,
      projectId: row.project_id,
      sessionId: row.id,
    });
    const models = this.deps.llm.piModels({ llmUrl: LLM_URL_PLACEHOLDER });
    const spawned = await client.value.spawn({
      kind: "agent",
      profile: row.profile,
      project: place.projectDir,
      argv: ["pi"],
      env: this.deps.llm.piEnv(token),
      tag: row.id,
      llm_socket: socket.path,
      agent: {
        session_key: row.id,
        models_json: JSON.stringify(models),
        model_args: piModelArgs(row.model ?? ""),
        resume,
        ...fork,
      },
    });
    if (!spawned.ok) {
      this.deps.log.warn("agent launch failed", { session: row.id, error: spawned.error.message });
      return spawned;
    }
    this.repo.update(
      row.id,
      { status: "ready", proc_id: spawned.value.proc, last_active_at: this.now },
      this.now,
    );
    return this.link({ ...row, proc_id: spawned.value.proc }, client.value);
  }

  private async link(row: SessionRow, client: RunnerClient): Promise<Result<AgentLink>> {
    if (!row.proc_id) return fail("internal", "session has no agent process");
    const link = new AgentLink(
      { id: row.id, project_id: row.project_id, user_id: row.user_id },
      row.proc_id,
      {
        hub: this.deps.hub,
        history: this.deps.historyFor(row.user_id),
        client,
        log: this.deps.log,
        onEvents: (l, events) => this.onAgentEvents(l, events),
        onGone: (l, why) => this.onAgentGone(l, why),
      },
    );
    this.links.set(row.id, link);
    const attached = await link.attach();
    if (!attached.ok) {
      this.links.delete(row.id);
      return attached;
    }
    return ok(link);
  }

  private async stopAgent(row: SessionRow): Promise<void> {
    const link = this.links.get(row.id);
    this.links.delete(row.id);
    if (link) link.gone = true;
    const username = this.usernameOf(row.user_id);
    const project = projectsRepo(this.deps.db).byId(row.project_id);
    if (!username || !project) return;
    const place = this.deps.placement.project(username, project.slug);
    const client = await this.deps.runners.forUser(place.runnerUser);
    if (client.ok) await client.value.killTag(row.id);
    if (link) await link.detach().catch(() => undefined);
  }

  private onAgentEvents(link: AgentLink, events: readonly AgentEvent[]): void {
    const row = this.repo.byId(link.session.id);
    if (!row) return;
    if (!row.title) {
      const first = events.find((e) => e.event === "stream.message_end" && e.message.role === "user");
      if (first && first.event === "stream.message_end") {
        const text = first.message.parts.find((p) => p.type === "text");
        if (text?.type === "text") this.retitle(row, autoTitle(text.text));
      }
    }
    this.repo.update(row.id, { last_active_at: this.now }, this.now);
  }

  private onAgentGone(link: AgentLink, why: string): void {
    if (this.links.get(link.session.id) !== link) return;
    this.links.delete(link.session.id);
    const row = this.repo.byId(link.session.id);
    if (row && row.status !== "closed") {
      this.repo.update(row.id, { status: "sleeping", proc_id: null }, this.now);
      this.deps.log.info("agent stopped; it will be revived on the next prompt", { session: row.id, why });
    }
  }

  private retitle(row: SessionRow, title: string): void {
    this.repo.update(row.id, { title }, this.now);
    this.publish(row, [{ event: "session.title_changed", title }]);
  }

  private publish(row: SessionRow, events: AgentEvent[]): void {
    this.deps.hub.publish(row.user_id, { id: row.id, project_id: row.project_id }, events);
  }

  private usernameOf(userId: string): string | null {
    return (
      this.deps.db
        .query<{ username: string }, [string]>("SELECT username FROM users WHERE id = ?")
        .get(userId)?.username ?? null
    );
  }

  // ---------------------------------------------------------------- restart and idle

  /** After a server restart: re-attach to agents that kept running under their runners. */
  async resumeLive(): Promise<number> {
    let resumed = 0;
    for (const row of this.repo.live()) {
      const username = this.usernameOf(row.user_id);
      const project = projectsRepo(this.deps.db).byId(row.project_id);
      if (!username || !project) continue;
      const place = this.deps.placement.project(username, project.slug);
      const client = await this.deps.runners.forUser(place.runnerUser);
      if (!client.ok) {
        this.repo.update(row.id, { status: "sleeping", proc_id: null }, this.now);
        continue;
      }
      this.deps.llm.ensureSocket(row.user_id, place.llmSocket, place.llmSocketMode);
      const linked = await this.link(row, client.value);
      if (linked.ok && !linked.value.gone) resumed++;
      else this.repo.update(row.id, { status: "sleeping", proc_id: null }, this.now);
    }
    return resumed;
  }

  /** Stop agents idle for longer than the configured time; they are revived on the next prompt. */
  async reapIdle(olderThanMs = this.deps.idleTimeoutMs): Promise<string[]> {
    const reaped: string[] = [];
    const cutoff = this.now - olderThanMs;
    for (const [id, link] of this.links) {
      const row = this.repo.byId(id);
      if (!row || link.busy || row.last_active_at > cutoff) continue;
      await this.stopAgent(row);
      this.repo.update(id, { status: "sleeping", proc_id: null }, this.now);
      reaped.push(id);
    }
    return reaped;
  }

  startReaper(intervalMs = Math.min(60_000, Math.max(1000, this.deps.idleTimeoutMs / 4))): void {
    this.reaper = setInterval(() => void this.reapIdle(), intervalMs);
    this.reaper.unref?.();
  }

  async stop(): Promise<void> {
    if (this.reaper) clearInterval(this.reaper);
    for (const link of this.links.values()) link.flush();
    this.links.clear();
  }
}

/** A title from the first user message: its first line, shortened at a word boundary. */
export function autoTitle(text: string): string {
  const line = text.trim().split("\n")[0]?.trim() ?? "";
  if (line.length <= 60) return line || "New session";
  const cut = line.slice(0, 60);
  const space = cut.lastIndexOf(" ");
  return `${(space > 30 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

/** A session row as it starts: no agent process yet, no events, no pi session file. */
function newSessionRow(
  base: Pick<SessionRow, "user_id" | "project_id" | "title" | "model" | "profile" | "parent_id">,
  now: number,
): SessionRow {
  return {
    id: newId("ses", now),
    user_id: base.user_id,
    project_id: base.project_id,
    title: base.title,
    model: base.model,
    profile: base.profile,
    parent_id: base.parent_id,
    pi_session_file: null,
    pi_session_id: null,
    status: "starting",
    last_seq: 0,
    created_at: now,
    updated_at: now,
    closed_at: null,
    proc_id: null,
    last_active_at: now,
  };
}

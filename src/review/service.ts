import type { Message } from "../protocol/agent-message.ts";
import { fail, ok, type Result } from "../protocol/errors.ts";
import type { Session } from "../protocol/projects.ts";
import type {
  ChangesResult,
  DiffBase,
  DiffResult,
  DiscardBody,
  RestoreBody,
  RestoreResult,
  ReviewOp,
  ReviewOpInput,
  ReviewOpResult,
} from "../protocol/review.ts";
import type { RunnerClient } from "../runners/client.ts";
import type { RunnerManager } from "../runners/manager.ts";
import type { Placement } from "../runners/placement.ts";

export interface Caller {
  id: string;
  username: string;
}

export interface ReviewDeps {
  /** The caller's own session (someone else's is `not_found`, like a missing one). */
  session: (caller: Caller, sessionId: string) => Result<Session>;
  project: (caller: Caller, projectId: string) => Result<{ id: string; slug: string; profile: string }>;
  /** A session's stored messages (to find a user message's client id). */
  messages: (userId: string, sessionId: string) => Message[];
  runners: Pick<RunnerManager, "forUser">;
  placement: Placement;
  /** The person's commit identity (their account's e-mail, or `<username>@users.octo`). */
  author: (caller: Caller) => { name: string; email: string };
  /** Their stored token for a remote host (`host[:port]`, lower-case), if any. */
  credential: (caller: Caller, host: string) => { username: string; token: string } | null;
  /** Clone: a new empty project, and its removal when the clone fails. */
  createProject?: (
    caller: Caller,
    input: { name: string; profile?: string },
  ) => Promise<Result<{ id: string; slug: string; profile: string }>>;
  removeProject?: (caller: Caller, projectId: string) => Promise<unknown>;
}

type GitAction =
  | { do: "stage" | "unstage"; paths: string[] }
  | { do: "commit"; message: string }
  | { do: "branches" }
  | { do: "branch_create"; name: string; from?: string }
  | { do: "branch_switch"; name: string }
  | { do: "push" | "pull" | "fetch"; remote?: string };

type ReviewRunner = Pick<RunnerClient, "review">;

/**
 * Review and undo for a person: what a conversation (or one turn) changed in its project, restoring
 * the files to before a user message, discarding a file or a hunk. The files and checkpoints are the
 * runner's (as the user, outside the sandbox); here are the ownership checks and the mapping from a
 * message id to the checkpoint the runner took before it (keyed by the message's client id).
 */
export class ReviewService {
  constructor(private readonly deps: ReviewDeps) {}

  async sessionChanges(
    caller: Caller,
    sessionId: string,
    messageId?: string,
  ): Promise<Result<ChangesResult>> {
    const at = await this.atSession(caller, sessionId, messageId);
    return at.ok ? this.call(at.value, "review.changes", { base: at.value.base }) : at;
  }

  async sessionDiff(
    caller: Caller,
    sessionId: string,
    q: { path: string; message_id?: string; offset?: number; limit?: number },
  ): Promise<Result<DiffResult>> {
    const at = await this.atSession(caller, sessionId, q.message_id);
    if (!at.ok) return at;
    return this.call(at.value, "review.diff", {
      base: at.value.base,
      path: q.path,
      offset: q.offset,
      limit: q.limit,
    });
  }

  async restore(caller: Caller, sessionId: string, body: RestoreBody): Promise<Result<RestoreResult>> {
    if (!body.message_id === !body.checkpoint_id)
      return fail("validation_failed", "give exactly one of message_id and checkpoint_id");
    const at = await this.atSession(caller, sessionId, body.message_id);
    if (!at.ok) return at;
    const target =
      at.value.base.kind === "turn"
        ? {
            kind: "message" as const,
            session: at.value.base.session,
            client_id: at.value.base.client_id,
            ancestors: this.ancestors(caller, sessionId),
          }
        : { kind: "checkpoint" as const, id: body.checkpoint_id as string };
    return this.call(at.value, "review.restore", {
      target,
      preview: body.preview ?? false,
      stop_agents: body.stop_agents ?? false,
    });
  }

  async discard(caller: Caller, sessionId: string, body: DiscardBody) {
    const at = await this.atSession(caller, sessionId, body.message_id);
    if (!at.ok) return at;
    return this.call(at.value, "review.discard", {
      base: at.value.base,
      path: body.path,
      ...(body.hunk ? { hunk: body.hunk } : {}),
    });
  }

  async projectChanges(caller: Caller, projectId: string): Promise<Result<ChangesResult>> {
    const at = await this.atProject(caller, projectId);
    return at.ok ? this.call(at.value, "review.changes", { base: { kind: "project" } }) : at;
  }

  async projectDiff(caller: Caller, projectId: string, q: { path: string; offset?: number; limit?: number }) {
    const at = await this.atProject(caller, projectId);
    if (!at.ok) return at;
    return this.call(at.value, "review.diff", { base: { kind: "project" }, ...q });
  }

  async projectDiscard(caller: Caller, projectId: string, body: Omit<DiscardBody, "message_id">) {
    const at = await this.atProject(caller, projectId);
    if (!at.ok) return at;
    return this.call(at.value, "review.discard", { base: { kind: "project" }, ...body });
  }

  /** Undo a discard or a restore made from the project's view: back to a checkpoint. */
  async projectRestore(caller: Caller, projectId: string, checkpointId: string, preview = false) {
    const at = await this.atProject(caller, projectId);
    if (!at.ok) return at;
    return this.call(at.value, "review.restore", {
      target: { kind: "checkpoint", id: checkpointId },
      preview,
    });
  }

  /** The project's git repository: branch, status and the latest commits. */
  async gitOverview(caller: Caller, projectId: string) {
    const at = await this.atProject(caller, projectId);
    if (!at.ok) return at;
    // One sandbox for both (each git request starts one: decisions/0025).
    const r = await this.call(at.value, "review.git", { action: { do: "status", log: 30 } });
    if (!r.ok) return r;
    const { commits, ...status } = r.value as { commits: unknown[] };
    return ok({ status, log: { commits } });
  }

  /**
   * Stage, unstage, commit (as the person: their account's name and e-mail), branches, and push,
   * pull or fetch with their stored token for the remote's host (it travels to the runner in this
   * request only: decisions/0025).
   */
  async git(caller: Caller, projectId: string, action: GitAction) {
    const at = await this.atProject(caller, projectId);
    if (!at.ok) return at;
    if (action.do === "commit")
      return this.call(at.value, "review.git", { action: { ...action, author: this.deps.author(caller) } });
    if (action.do !== "push" && action.do !== "pull" && action.do !== "fetch")
      return this.call(at.value, "review.git", {
        action: action as Exclude<GitAction, { remote?: string } | { do: "commit" }>,
      });
    const remote = action.remote ?? "origin";
    const where = await this.call(at.value, "review.git", { action: { do: "remote_url", remote } });
    if (!where.ok) return where;
    const host = (where.value as { host: string | null }).host?.toLowerCase();
    const credential = host ? this.deps.credential(caller, host) : null;
    const full = {
      do: action.do,
      remote,
      ...(credential ? { credential } : {}),
      ...(action.do === "pull" ? { author: this.deps.author(caller) } : {}),
    };
    return this.call(at.value, "review.git", { action: full as never });
  }

  /**
   * A new project from a remote repository: an empty project, then the runner clones into it; a
   * failed clone removes the project again (nothing half-cloned stays behind).
   */
  async clone(caller: Caller, body: { url: string; branch?: string; name?: string; profile?: string }) {
    const { createProject, removeProject } = this.deps;
    if (!createProject || !removeProject) return fail("internal", "cloning is not wired");
    const u = new URL(body.url);
    const name =
      body.name ||
      decodeURIComponent(u.pathname.split("/").filter(Boolean).at(-1) ?? u.hostname).replace(/\.git$/, "") ||
      "clone";
    const created = await createProject(caller, {
      name: name.slice(0, 200),
      ...(body.profile ? { profile: body.profile } : {}),
    });
    if (!created.ok) return created;
    const project = created.value;
    const credential = this.deps.credential(caller, u.host.toLowerCase());
    const at = await this.atProject(caller, project.id);
    const r = at.ok
      ? await this.call(at.value, "review.clone", {
          url: body.url,
          ...(body.branch ? { branch: body.branch } : {}),
          ...(credential ? { credential } : {}),
        })
      : at;
    if (!r.ok) {
      await removeProject(caller, project.id);
      return r;
    }
    return ok({ project_id: project.id, branch: r.value.branch, head: r.value.head });
  }

  async checkpoints(caller: Caller, sessionId: string) {
    const at = await this.atSession(caller, sessionId);
    if (!at.ok) return at;
    return this.call(at.value, "review.checkpoints", { session: sessionId });
  }

  /** A fork's parent, grandparent, …: the copied messages were checkpointed in those sessions. */
  private ancestors(caller: Caller, sessionId: string): string[] {
    const out: string[] = [];
    let cur = this.deps.session(caller, sessionId);
    while (cur.ok && cur.value.parent_id && out.length < 20) {
      out.push(cur.value.parent_id);
      cur = this.deps.session(caller, cur.value.parent_id);
    }
    return out;
  }

  // ---------------------------------------------------------------- where

  private async atProject(
    caller: Caller,
    projectId: string,
  ): Promise<Result<{ runner: ReviewRunner; folder: string; profile: string; base: DiffBase }>> {
    const project = this.deps.project(caller, projectId);
    if (!project.ok) return project;
    const place = this.deps.placement.project(caller.username, project.value.slug);
    const runner = await this.deps.runners.forUser(place.runnerUser);
    if (!runner.ok) return runner;
    return ok({
      runner: runner.value,
      folder: place.folder,
      profile: project.value.profile,
      base: { kind: "project" },
    });
  }

  /** The session's project and runner, and the base: the whole conversation, or one turn. */
  private async atSession(
    caller: Caller,
    sessionId: string,
    messageId?: string,
  ): Promise<Result<{ runner: ReviewRunner; folder: string; profile: string; base: DiffBase }>> {
    const session = this.deps.session(caller, sessionId);
    if (!session.ok) return session;
    let base: DiffBase = { kind: "session", session: session.value.id };
    if (messageId) {
      const message = this.deps
        .messages(caller.id, session.value.id)
        .find((m) => m.id === messageId && m.role === "user");
      if (!message) return fail("not_found", "no such user message in this session");
      if (!message.client_id) return fail("no_checkpoint", "no checkpoint was taken before that message");
      base = { kind: "turn", session: session.value.id, client_id: message.client_id };
    }
    const at = await this.atProject(caller, session.value.project_id);
    return at.ok ? ok({ ...at.value, base }) : at;
  }

  /** Every op names the project's profile: git in the project's own repository runs in its sandbox. */
  private call<Op extends ReviewOp>(
    at: { runner: ReviewRunner; folder: string; profile: string },
    op: Op,
    params: Omit<ReviewOpInput<Op>, "project" | "profile">,
  ): Promise<Result<ReviewOpResult<Op>>> {
    const withProfile = ["review.changes", "review.diff", "review.discard", "review.git", "review.clone"];
    return at.runner.review(op, {
      project: at.folder,
      ...(withProfile.includes(op) ? { profile: at.profile } : {}),
      ...params,
    } as ReviewOpInput<Op>);
  }
}

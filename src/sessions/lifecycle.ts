import { defaultModel, resolveModel } from "../llm/providers.ts";
import type { MuxUser } from "../mux/connection.ts";
import type { AgentCommandOf } from "../protocol/agent-commands.ts";
import { fail, ok, type Result } from "../protocol/errors.ts";
import { requireProject } from "../sharing/access.ts";
import { type ProjectRow, projectsRepo } from "../storage/projects.ts";
import type { SessionRow } from "../storage/sessions.ts";
import type { SessionContext } from "./context.ts";
import { newSessionRow } from "./new-row.ts";
import type { AgentPool } from "./pool.ts";
import type { SpareShape, WarmPool } from "./warm.ts";

/**
 * A new session in one of the user's projects, its agent started; undone if the agent cannot start.
 * A spare agent already started for this project, model and profile is taken when there is one
 * (warm.ts), and the pool is refilled in the background either way.
 */
export async function createSession(
  ctx: SessionContext,
  pool: AgentPool,
  warm: WarmPool,
  user: MuxUser,
  c: AgentCommandOf<"session.create">,
): Promise<Result<{ session_id: string }>> {
  const { deps } = ctx;
  // A member of a shared project (an editor) starts it in the owner's project, under the owner's
  // runner and history store; the row names them in `created_by` (decision 0030).
  const access = requireProject(deps.db, user, c.project_id, "write");
  if (!access.ok) return access;
  const owner = access.value.owner;
  const project = { value: access.value.row };
  const createdBy = owner.id === user.id ? null : user.id;
  const providers = deps.llm.ensureProviders();
  if (!providers.ok) return providers;
  const fallback = newConversationShape(ctx, project.value);
  const model = c.model ?? fallback.model;
  const resolved = resolveModel(deps.llm.providerDeps, model);
  if (!resolved.ok) return resolved;
  const profile = c.profile ?? project.value.profile;
  if (!deps.projects.profiles().includes(profile)) {
    return fail("validation_failed", `profile: unknown sandbox profile ${profile}`);
  }
  const now = ctx.now();
  const spare = warm.claim(owner.id, { projectId: project.value.id, model, profile });
  if (spare) {
    if (createdBy) ctx.repo.update(spare.id, { created_by: createdBy }, now);
    ctx.publish(spare, [{ event: "session.created", model }]);
    projectsRepo(deps.db).touch(project.value.id, now);
    void warm.refill(owner, fallback);
    return ok({ session_id: spare.id });
  }
  const row = newSessionRow(
    { user_id: owner.id, project_id: project.value.id, title: "", model, profile, parent_id: null },
    now,
  );
  ctx.repo.insert(row);
  if (createdBy) ctx.repo.update(row.id, { created_by: createdBy }, now);
  ctx.publish(row, [{ event: "session.created", model }]);
  const link = await pool.ensure(owner.username, row, false);
  if (!link.ok) {
    ctx.repo.delete(row.id);
    deps.historyFor(owner.id).deleteSession(row.id);
    return link;
  }
  projectsRepo(deps.db).touch(project.value.id, now);
  void warm.refill(owner, fallback);
  return ok({ session_id: row.id });
}

/** The model and profile a new conversation in this project gets when it names neither. */
export function newConversationShape(
  ctx: SessionContext,
  project: Pick<ProjectRow, "id" | "default_model" | "profile">,
): SpareShape {
  const { deps } = ctx;
  return {
    projectId: project.id,
    model: project.default_model ?? defaultModel(deps.llm.providerDeps, deps.defaultModel),
    profile: project.profile,
  };
}

/** Stop the agent and end the session; its history stays readable. */
export async function closeSession(
  ctx: SessionContext,
  pool: AgentPool,
  row: SessionRow,
): Promise<Result<unknown>> {
  await pool.stop(row);
  ctx.deps.llm.tokens.revokeSession(row.id);
  if (row.status !== "closed") {
    const now = ctx.now();
    ctx.repo.update(row.id, { status: "closed", closed_at: now, proc_id: null }, now);
    ctx.publish(row, [{ event: "session.closed", reason: "closed" }]);
  }
  return ok({});
}

/** Stop the agent and remove the session with its history. */
export async function deleteSession(
  ctx: SessionContext,
  pool: AgentPool,
  row: SessionRow,
): Promise<Result<unknown>> {
  await pool.stop(row);
  ctx.deps.llm.tokens.revokeSession(row.id);
  ctx.deps.deleting?.(row);
  ctx.publish(row, [{ event: "session.closed", reason: "deleted" }]);
  ctx.deps.hub.dropSession(row.id);
  ctx.deps.historyFor(row.user_id).deleteSession(row.id);
  ctx.repo.delete(row.id);
  return ok({});
}

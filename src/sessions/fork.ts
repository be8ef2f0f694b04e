import { resolveModel } from "../llm/providers.ts";
import type { MuxUser } from "../mux/connection.ts";
import type { ForkResult } from "../protocol/agent-commands.ts";
import { fail, ok, type Result } from "../protocol/errors.ts";
import { newId } from "../protocol/ids.ts";
import { type ProjectRow, projectsRepo } from "../storage/projects.ts";
import type { SessionRow } from "../storage/sessions.ts";
import type { SessionContext } from "./context.ts";
import { newConversationShape } from "./lifecycle.ts";
import { newSessionRow } from "./new-row.ts";
import { piSeedSession } from "./pi-seed.ts";
import type { AgentPool } from "./pool.ts";

/**
 * A new session branched before one of this session's user messages: its history is a copy of the
 * messages before that point, and its agent starts from a copy of pi's own files, forked there.
 * Answers the new session's id and the text of the message it branched before (for the composer).
 */
export async function forkSession(
  ctx: SessionContext,
  pool: AgentPool,
  user: MuxUser,
  row: SessionRow,
  messageId: string,
  /** Who asked for the fork: a member's fork is theirs (decision 0030). */
  caller: Pick<MuxUser, "id"> = user,
): Promise<Result<ForkResult>> {
  const history = ctx.deps.historyFor(row.user_id);
  const messages = history.messages(row.id, { limit: 1_000_000 });
  const at = messages.findIndex((m) => m.id === messageId && m.role === "user");
  const target = messages[at];
  if (!target) return fail("not_found", "no such user message in this session");
  const userIndex = messages.slice(0, at).filter((m) => m.role === "user").length;
  const fork = newSessionRow(
    { ...row, title: `${row.title || "Session"} (fork)`, parent_id: row.id },
    ctx.now(),
  );
  ctx.repo.insert(fork);
  if (caller.id !== fork.user_id) ctx.repo.update(fork.id, { created_by: caller.id }, ctx.now());
  ctx.publish(fork, [
    { event: "session.created", model: fork.model ?? undefined },
    { event: "session.title_changed", title: fork.title },
    ...messages
      .slice(0, at)
      .map((m) => ({ event: "stream.message_end" as const, message: { ...m, id: newId("msg") } })),
  ]);
  const link = await pool.ensure(user.username, fork, false, { fork_from: row.id, fork_at: userIndex });
  if (!link.ok) {
    ctx.repo.delete(fork.id);
    history.deleteSession(fork.id);
    return link;
  }
  const text = target.parts.flatMap((p) => (p.type === "text" ? [p.text] : [])).join("\n");
  const images = target.parts.flatMap((p) => (p.type === "image" ? [p] : []));
  return ok({ session_id: fork.id, text, ...(images.length ? { images } : {}) });
}

/**
 * A copy of someone else's conversation (shared with the user) as a new conversation in one of the
 * user's own projects: the history is copied, the files are not. The other user's pi files are out
 * of this user's runner's reach, so the new agent starts from a pi session built from the history
 * (`pi-seed.ts`) and carries on from there as the user's own.
 */
export async function copyConversation(
  ctx: SessionContext,
  pool: AgentPool,
  user: { id: string; username: string },
  source: SessionRow,
  project: ProjectRow,
  title: string,
): Promise<Result<{ session_id: string }>> {
  const messages = ctx.deps.historyFor(source.user_id).messages(source.id, { limit: 1_000_000 });
  const model =
    source.model && resolveModel(ctx.deps.llm.providerDeps, source.model).ok ? source.model : null;
  const now = ctx.now();
  const row = newSessionRow(
    {
      user_id: user.id,
      project_id: project.id,
      title,
      model: model ?? newConversationShape(ctx, project).model,
      profile: project.profile,
      parent_id: null,
    },
    now,
  );
  ctx.repo.insert(row);
  ctx.publish(row, [
    { event: "session.created", model: row.model ?? undefined },
    { event: "session.title_changed", title },
    // The owner's token counts and costs stay theirs: the copy starts its own meters at zero.
    ...messages.map(({ usage: _usage, ...m }) => ({
      event: "stream.message_end" as const,
      message: { ...m, id: newId("msg") },
    })),
  ]);
  const link = await pool.ensure(user.username, row, false, {
    seed_session: piSeedSession(messages, row.model, now),
  });
  if (!link.ok) {
    ctx.repo.delete(row.id);
    ctx.deps.historyFor(user.id).deleteSession(row.id);
    return link;
  }
  projectsRepo(ctx.deps.db).touch(project.id, now);
  return ok({ session_id: row.id });
}

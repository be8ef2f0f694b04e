import { resolveModel } from "../llm/providers.ts";
import type { MuxUser } from "../mux/connection.ts";
import type { AgentCommand, AgentCommandOf } from "../protocol/agent-commands.ts";
import { fail, ok, type Result } from "../protocol/errors.ts";
import { withMemoryBlock } from "../shared/memory-block.ts";
import { type Need, type ProjectOwner, requireSession, type SessionAccess } from "../sharing/access.ts";
import { projectsRepo } from "../storage/projects.ts";
import type { SessionRow } from "../storage/sessions.ts";
import { notFound, type SessionContext } from "./context.ts";
import { forkSession } from "./fork.ts";
import { closeSession, createSession, deleteSession } from "./lifecycle.ts";
import type { AgentPool } from "./pool.ts";
import { retitle } from "./titles.ts";
import type { WarmPool } from "./warm.ts";

/** Commands the agent itself answers (after the server's own checks). */
const AGENT_COMMANDS = new Set([
  "prompt",
  "steer",
  "follow_up",
  "abort",
  "input_response",
  "get_state",
  "set_model",
  "set_thinking_level",
  "compact",
  "set_session_name",
  "fork",
  "queue.remove",
  "queue.edit",
  "queue.send_now",
]);

/** Commands a viewer of a shared project may send (decision 0030); every other one needs an editor. */
const READ_COMMANDS = new Set(["get_messages", "get_state"]);

/**
 * A session the caller may use as `need` asks (decision 0030): their own, or one in a project shared
 * with them. Someone else's session id is answered exactly like a missing one; a spare (a
 * pre-started agent, src/sessions/warm.ts) belongs to no conversation until claimed.
 */
export function sessionFor(
  ctx: SessionContext,
  user: Pick<MuxUser, "id">,
  sessionId: string,
  need: Need = "owner",
): Result<SessionAccess> {
  return requireSession(ctx.deps.db, user, sessionId, need);
}

/** Owner-only: someone else's session id is answered exactly like a missing one. */
export function ownedSession(
  ctx: SessionContext,
  user: Pick<MuxUser, "id">,
  sessionId: string,
): Result<SessionRow> {
  const found = sessionFor(ctx, user, sessionId, "owner");
  return found.ok ? ok(found.value.session) : notFound();
}

/**
 * Read-only access: what `sessionFor(…, "read")` allows (the owner's own session, one in a project
 * shared with the user), or a conversation shared with the user by itself (`deps.sharedWith`,
 * decision 0029). Only watching and reading go through here; every command that changes something
 * needs `sessionFor` with a stronger need.
 */
export function viewableSession(
  ctx: SessionContext,
  user: Pick<MuxUser, "id">,
  sessionId: string,
): Result<{ row: SessionRow; role: "owner" | "viewer" }> {
  const found = sessionFor(ctx, user, sessionId, "read");
  if (found.ok)
    return ok({ row: found.value.session, role: found.value.role === "owner" ? "owner" : "viewer" });
  const row = ctx.repo.byId(sessionId);
  if (!row || row.status === "spare") return notFound();
  return ctx.deps.sharedWith?.(row.id, user.id) ? ok({ row, role: "viewer" }) : notFound();
}

/** The project owner, as whom a member's command runs (their runner, workspace and history store). */
export const actingAs = (user: MuxUser, owner: ProjectOwner): MuxUser =>
  owner.id === user.id ? user : { id: owner.id, username: owner.username, role: "user" };

/** One canonical agent command of a user: checked, then answered by the server or the session's agent. */
export async function dispatch(
  ctx: SessionContext,
  pool: AgentPool,
  warm: WarmPool,
  caller: MuxUser,
  c: AgentCommand,
): Promise<Result<unknown>> {
  if (c.cmd === "session.create") return createSession(ctx, pool, warm, caller, c);
  if (!("session_id" in c)) return fail("bad_request", `${(c as AgentCommand).cmd} needs a session_id`);
  if (c.cmd === "get_messages" || c.cmd === "session.history") {
    // Read-only: a shared conversation's viewers read it too (and it opens at its end for them).
    const seen = viewableSession(ctx, caller, c.session_id);
    if (!seen.ok) return seen;
    const history = ctx.deps.historyFor(seen.value.row.user_id);
    const id = seen.value.row.id;
    if (c.cmd === "get_messages")
      return ok(history.messagePage(id, { afterSeq: c.after_seq, limit: c.limit }));
    const limit = c.limit ?? 50;
    return ok(
      c.before_seq === undefined ? history.opening(id, limit) : history.olderPage(id, c.before_seq, limit),
    );
  }
  const found = sessionFor(ctx, caller, c.session_id, READ_COMMANDS.has(c.cmd) ? "read" : "write");
  if (!found.ok) return found;
  const row = found.value.session;
  // Deleting a conversation: its owner's, or the member who started it.
  if (c.cmd === "session.delete" && found.value.role !== "owner" && row.created_by !== caller.id)
    return fail(
      "forbidden",
      "only the project's owner or the person who started it can delete a conversation",
    );
  // The agent runs under the owner's runner; the caller is recorded as the author.
  const user = actingAs(caller, found.value.owner);
  switch (c.cmd) {
    case "session.close":
      return closeSession(ctx, pool, row);
    case "session.delete":
      return deleteSession(ctx, pool, row);
    case "prompt":
    case "steer":
    case "follow_up":
      return userMessage(ctx, pool, user, row, c, caller);
    case "set_model": {
      const model = resolveModel(ctx.deps.llm.providerDeps, c.model);
      if (!model.ok) return model;
      const r = await pool.send(user, row, c);
      if (r.ok) ctx.repo.update(row.id, { model: c.model }, ctx.now());
      return r;
    }
    case "fork":
      return forkSession(ctx, pool, user, row, c.message_id, caller);
    case "set_session_name": {
      const r = await pool.send(user, row, c);
      if (r.ok) retitle(ctx, row, c.name);
      return r;
    }
    default:
      if (!AGENT_COMMANDS.has((c as AgentCommand).cmd))
        return fail("unknown_command", `unknown command ${(c as AgentCommand).cmd}`);
      return pool.send(user, row, c);
  }
}

/** Prompts are deduplicated by `client_id`: a retried send is acknowledged, never run twice. */
async function userMessage(
  ctx: SessionContext,
  pool: AgentPool,
  user: MuxUser,
  row: SessionRow,
  c: AgentCommandOf<"prompt" | "steer" | "follow_up">,
  author: MuxUser,
): Promise<Result<unknown>> {
  if (row.status === "closed") return fail("conflict", "this session is closed");
  const history = ctx.deps.historyFor(row.user_id);
  if (!history.claimClientId(row.id, c.client_id, c.cmd)) return ok({ duplicate: true });
  // Who sent it, stored in the history before the message itself (decision 0030).
  ctx.publish(row, [
    { event: "message.author", client_id: c.client_id, user_id: author.id, username: author.username },
  ]);
  const r = await pool.send(user, row, c.cmd === "prompt" ? await withMemories(ctx, row, c) : c);
  if (!r.ok) history.releaseClientId(row.id, c.client_id);
  return r;
}

/** At most this many memories go before a first prompt. */
const MEMORIES_PER_PROMPT = 5;

/**
 * A new conversation's first prompt, with the most relevant memories before it when the project
 * opted in. The chat is told which ones (`memory.used`, stored in history so a reload shows it
 * too); the person's message as stored stays what they typed (the runner takes the block off).
 */
async function withMemories(
  ctx: SessionContext,
  row: SessionRow,
  c: AgentCommandOf<"prompt">,
): Promise<AgentCommandOf<"prompt">> {
  const find = ctx.deps.memoriesFor;
  if (!find || projectsRepo(ctx.deps.db).byId(row.project_id)?.use_memories !== 1) return c;
  const history = ctx.deps.historyFor(row.user_id);
  if (history.messages(row.id, { limit: 1 }).length > 0) return c;
  let memories: Awaited<ReturnType<typeof find>>;
  try {
    memories = (await find(row.user_id, row.project_id, c.message)).slice(0, MEMORIES_PER_PROMPT);
  } catch (e) {
    ctx.deps.log.warn("memories for a first prompt not found; sent as typed", { error: String(e) });
    return c;
  }
  if (memories.length === 0) return c;
  ctx.publish(row, [{ event: "memory.used", client_id: c.client_id, memories }]);
  return { ...c, message: withMemoryBlock(c.message, memories) };
}

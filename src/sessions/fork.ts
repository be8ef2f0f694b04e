import type { MuxUser } from "../mux/connection.ts";
import type { ForkResult } from "../protocol/agent-commands.ts";
import { fail, ok, type Result } from "../protocol/errors.ts";
import { newId } from "../protocol/ids.ts";
import type { SessionRow } from "../storage/sessions.ts";
import type { SessionContext } from "./context.ts";
import { newSessionRow } from "./new-row.ts";
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

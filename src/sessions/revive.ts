import { agentStateSchema } from "../protocol/agent-message.ts";
import { decode } from "../protocol/decode.ts";
import { fail, type Result } from "../protocol/errors.ts";
import { projectsRepo } from "../storage/projects.ts";
import type { SessionRow } from "../storage/sessions.ts";
import { AGENT_COMMAND_TIMEOUT_MS, type AgentLink } from "./agent-link.ts";
import type { SessionContext } from "./context.ts";
import { newConversationShape } from "./lifecycle.ts";
import type { AgentPool } from "./pool.ts";
import type { WarmPool } from "./warm.ts";

/** How long a revival waits for a taken spare that is still starting before it starts one cold. */
export const SPARE_START_WAIT_MS = 60_000;

/**
 * Revive a reaped conversation through the warm pool (docs/decisions/0036-reap-early-revive-warm.md):
 * a spare of the conversation's exact user, project, model and profile (one already up first, else
 * one still starting) becomes its agent instead of a new pi starting cold. Null when no spare could be used: the caller starts one cold, as before.
 *
 * The spare is taken in one DELETE of its row (one winner when revivals and `session.create` race
 * for it); its link lets go after storing what it said; the LLM and tool tokens in its environment
 * are re-pointed at the conversation; the runner moves the conversation's pi files into the spare's
 * sandbox and renames what is keyed by session (state, tool socket, checkpoints, tag); pi switches
 * to the conversation's file and its state is checked; then the conversation's link takes the
 * process's events from after the spare's last one, and the pool is refilled in the background.
 */
export async function reviveThroughSpare(
  ctx: SessionContext,
  pool: AgentPool,
  warm: WarmPool,
  username: string,
  row: SessionRow,
): Promise<Result<AgentLink> | null> {
  const { deps } = ctx;
  const started = performance.now();
  for (const spare of warm.candidatesFor(row)) {
    if (!ctx.repo.takeSpare(spare.id)) continue; // another revival or a new conversation took it
    // Still starting: it got a head start on a cold start, so wait for it (bounded) rather than start another.
    const up = await pool.whenUp(spare.id, SPARE_START_WAIT_MS);
    const upAt = performance.now();
    const released = await pool.release(spare.id);
    forgetSpare(ctx, spare);
    if (!released || !up) {
      if (released) await released.client.kill(released.proc);
      deps.llm.tokens.revokeSession(spare.id);
      deps.toolTokens?.revokeSession(spare.id);
      continue;
    }
    const { client, proc, watermark } = released;
    deps.llm.tokens.rebind(spare.id, row.id);
    deps.toolTokens?.rebind(spare.id, row.id);
    const releasedAt = performance.now();
    const adopted = await client.adopt(proc, row.id, AGENT_COMMAND_TIMEOUT_MS);
    const adoptedAt = performance.now();
    const state = adopted.ok ? decode(agentStateSchema, adopted.value, "adopted agent state") : adopted;
    const checked: Result<unknown> =
      state.ok && state.value.message_count === 0
        ? fail("agent_failed", "the spare resumed the conversation with no messages")
        : state;
    if (!checked.ok) {
      deps.log.warn("revive through a spare failed; starting the agent cold", {
        session: row.id,
        spare: spare.id,
        ...checked.error,
      });
      await client.kill(proc);
      deps.llm.tokens.revokeSession(row.id);
      deps.toolTokens?.revokeSession(row.id);
      return null;
    }
    const link = await pool.adopted(row, client, proc, watermark);
    if (link.ok)
      deps.log.info("agent revived through a warm spare", {
        session: row.id,
        spare: spare.id,
        ms: Math.round(performance.now() - started),
        // Where the time went: waiting for a starting spare, letting go of it, the runner's adopt.
        wait_ms: Math.round(upAt - started),
        release_ms: Math.round(releasedAt - upAt),
        adopt_ms: Math.round(adoptedAt - releasedAt),
      });
    refill(ctx, warm, username, row);
    return link;
  }
  return null;
}

/** A taken spare's own traces go: its history, fan-out state and activity (its row is gone already). */
function forgetSpare(ctx: SessionContext, spare: SessionRow): void {
  ctx.deps.hub.dropSession(spare.id);
  ctx.deps.historyFor(spare.user_id).deleteSession(spare.id);
  ctx.activity.end(spare.id);
}

function refill(ctx: SessionContext, warm: WarmPool, username: string, row: SessionRow): void {
  const project = projectsRepo(ctx.deps.db).byId(row.project_id);
  if (project) void warm.refill({ id: row.user_id, username }, newConversationShape(ctx, project));
}

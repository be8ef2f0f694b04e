import { readFileSync } from "node:fs";
import type { SessionRow } from "../storage/sessions.ts";
import type { SessionContext } from "./context.ts";
import { newSessionRow } from "./new-row.ts";
import type { AgentPool } from "./pool.ts";

/** No spare is started while the host has less memory available than this (pi is ~100 MB). */
export const SPARE_MEMORY_FLOOR = 1024 * 1024 * 1024;

/** What a new conversation in a project gets when it names nothing itself. */
export interface SpareShape {
  projectId: string;
  model: string;
  profile: string;
}

/**
 * The warm pool: per user, agents started ahead of time for the project where they last started a
 * conversation, so the next "new conversation" there is handed an agent that is already up — pi's
 * own start is most of a cold create (docs/decisions/0028-warm-agents.md).
 *
 * A spare is a session row with status `spare`: launched like any session (its own sandbox, LLM and
 * tool tokens, pi state) under the user's own runner, invisible to every list and ownership check
 * until `claim` turns it, in one UPDATE, into the user's new session. Spares are never shared across
 * users or projects; one whose model or profile no longer matches what a new conversation there would
 * get is discarded, as is every spare at server start (pi may have been upgraded) and one left idle
 * past SPARE_IDLE_FACTOR idle timeouts (the reaper). A spare that was never claimed leaves nothing
 * behind. A spare may also become a reaped conversation's agent (revive.ts, decision 0036).
 */
export class WarmPool {
  /** Users whose spares are being (re)filled right now: one fill at a time each. */
  private readonly filling = new Map<string, Promise<void>>();

  constructor(
    private readonly ctx: SessionContext,
    private readonly pool: AgentPool,
  ) {}

  private get size(): number {
    return this.ctx.deps.warmAgents ?? 0;
  }

  /** A live spare of exactly this shape, now the user's session (`ready`); null when there is none. */
  claim(userId: string, shape: SpareShape): SessionRow | null {
    for (const spare of this.ctx.repo.spares(userId)) {
      if (!matches(spare, shape) || !this.pool.holds(spare.id)) continue;
      if (this.ctx.repo.claim(spare.id, this.ctx.now())) return this.ctx.repo.byId(spare.id);
    }
    return null;
  }

  /**
   * Live spares that may become this conversation's agent (its user and exact shape), those already
   * up first, then those still starting.
   */
  candidatesFor(row: SessionRow): SessionRow[] {
    const shape = { projectId: row.project_id, model: row.model ?? "", profile: row.profile };
    const live = this.ctx.repo
      .spares(row.user_id)
      .filter((spare) => matches(spare, shape) && this.pool.holds(spare.id));
    const up = (s: SessionRow) => Number(this.pool.readySpare(s.id));
    return live.sort((a, b) => up(b) - up(a));
  }

  /**
   * Keep `warm_agents` spares of this shape for the user, in the background; spares of any other
   * shape (another project, a changed model or profile) are discarded first. Resolves when done.
   */
  refill(user: { id: string; username: string }, shape: SpareShape): Promise<void> {
    if (this.size <= 0 && this.ctx.repo.spares(user.id).length === 0) return Promise.resolve();
    const running = this.filling.get(user.id);
    if (running) return running;
    const fill = this.fill(user, shape)
      .catch((e) => this.ctx.deps.log.warn("warm pool: fill failed", { user: user.id, error: String(e) }))
      .finally(() => this.filling.delete(user.id));
    this.filling.set(user.id, fill);
    return fill;
  }

  /** Server start: spares from a previous run are discarded (pi or the settings may have changed). */
  async discardAll(): Promise<number> {
    const spares = this.ctx.repo.spares();
    for (const spare of spares) await this.pool.discard(spare);
    return spares.length;
  }

  private async fill(user: { id: string; username: string }, shape: SpareShape): Promise<void> {
    let kept = 0;
    for (const spare of this.ctx.repo.spares(user.id)) {
      if (kept < this.size && matches(spare, shape) && this.pool.holds(spare.id)) kept++;
      else await this.pool.discard(spare);
    }
    // No model to start with (no provider configured yet): a spare could never be claimed.
    if (!shape.model) return;
    const available = this.ctx.deps.memAvailable ?? memAvailable;
    for (; kept < this.size; kept++) {
      if (available() < SPARE_MEMORY_FLOOR) {
        this.ctx.deps.log.info("warm pool: not starting a spare, the host is low on memory", {
          user: user.id,
        });
        return;
      }
      const row = newSessionRow(
        {
          user_id: user.id,
          project_id: shape.projectId,
          title: "",
          model: shape.model,
          profile: shape.profile,
          parent_id: null,
        },
        this.ctx.now(),
      );
      row.status = "spare";
      this.ctx.repo.insert(row);
      const link = await this.pool.ensure(user.username, row, false);
      if (!link.ok) {
        this.ctx.deps.log.warn("warm pool: a spare did not start", { user: user.id, ...link.error });
        await this.pool.discard(row);
        return;
      }
    }
  }
}

const matches = (row: SessionRow, shape: SpareShape): boolean =>
  row.project_id === shape.projectId && row.model === shape.model && row.profile === shape.profile;

/** The host's MemAvailable in bytes (Infinity where /proc/meminfo cannot be read). */
export function memAvailable(): number {
  try {
    const m = /^MemAvailable:\s+(\d+) kB/m.exec(readFileSync("/proc/meminfo", "utf8"));
    return m ? Number(m[1]) * 1024 : Number.POSITIVE_INFINITY;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

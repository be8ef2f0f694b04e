import type { HistoryStore, SessionRef } from "../history/store.ts";
import type { AgentCommand } from "../protocol/agent-commands.ts";
import { type AgentEvent, parseAgentEvent } from "../protocol/agent-events.ts";
import { decoded } from "../protocol/decode.ts";
import type { Result } from "../protocol/errors.ts";
import type { RunnerEvent } from "../protocol/runner.ts";
import type { RunnerClient } from "../runners/client.ts";
import type { Logger } from "../shared/log.ts";
import { AckCoalescer } from "./ack-coalescer.ts";
import type { SessionHub } from "./hub.ts";

export interface AgentLinkDeps {
  hub: SessionHub;
  history: HistoryStore;
  client: RunnerClient;
  log: Logger;
  /** Called with each stored batch (titles, activity, busy state). */
  onEvents?: (link: AgentLink, events: readonly AgentEvent[]) => void;
  /**
   * The agent process is gone: it exited (its last events, the turn's end included, still follow
   * from the runner), or `lost` — the runner no longer knows it (the runner ended and took it along).
   */
  onGone?: (link: AgentLink, why: string, lost: boolean) => void;
}

/**
 * The server's end of one running agent: runner events in, stored and fanned-out canonical events out.
 *
 * Exactly once across server restarts: each batch is stored together with the runner seq it reaches
 * (the history's source watermark), then acknowledged. A runner that replays unacknowledged events
 * after a reconnect is resumed from that watermark, and anything at or below it is skipped.
 */
/** How long an agent command may wait for the agent to start and answer. */
export const AGENT_COMMAND_TIMEOUT_MS = 120_000;

export class AgentLink {
  private pending: AgentEvent[] = [];
  private pendingSeq = 0;
  private flushScheduled = false;
  private handled: number;
  private readonly acks: AckCoalescer;
  busy = false;
  gone = false;
  /** Launched, and pi has not announced its state yet (starting takes seconds under load). */
  starting = false;

  constructor(
    readonly session: SessionRef & { user_id: string },
    readonly proc: string,
    private readonly deps: AgentLinkDeps,
    /** A process taken over from another session (a warm spare): its events up to here were that one's. */
    adoptedAfter = 0,
  ) {
    const source = deps.history.source(session.id);
    this.handled = source?.proc === proc ? source.seq : adoptedAfter;
    this.acks = new AckCoalescer((seq) => void deps.client.ack(proc, seq));
  }

  /** Start (or resume) receiving this process's events after the stored watermark. */
  async attach() {
    const r = await this.deps.client.subscribe(this.proc, this.handled, (e) => this.onRunnerEvent(e));
    if (!r.ok && r.error.code === "not_found")
      this.markGone("its runner no longer knows the agent process", true);
    return r;
  }

  /** The last runner seq this link has taken in (stored or queued). */
  get watermark(): number {
    return this.handled;
  }

  /** The runner connection this link was made on has been given up (the runner died and was replaced). */
  get stale(): boolean {
    return this.deps.client.connectionState === "closed";
  }

  get client(): RunnerClient {
    return this.deps.client;
  }

  /**
   * A canonical command for the agent; the runner's pi adapter answers it. The runner holds a
   * command until pi has started (seconds on a loaded machine, measured up to ~20 s with 2 cores
   * under load), so this waits longer than an ordinary runner request. The runner gives up on the
   * start first (runner/kinds/agent.ts, AGENT_START_WAIT_MS) and refuses the command unsent, so a
   * command this reports as failed never reaches pi later.
   */
  command(c: AgentCommand): Promise<Result<unknown>> {
    return this.deps.client.call(
      "agent",
      { proc: this.proc, command: c },
      { timeoutMs: AGENT_COMMAND_TIMEOUT_MS },
    );
  }

  async detach(): Promise<void> {
    this.flush(true);
    this.acks.now();
    await this.deps.client.unsubscribe(this.proc);
  }

  private onRunnerEvent(e: RunnerEvent): void {
    if (e.seq <= this.handled) return;
    this.handled = e.seq;
    switch (e.event) {
      case "agent": {
        const parsed = decoded(parseAgentEvent(e.body), "agent event");
        if (parsed.ok) this.queue(parsed.value, e.seq);
        else
          this.deps.log.warn("runner sent an invalid agent event", {
            session: this.session.id,
            seq: e.seq,
            issue: parsed.error.message,
          });
        break;
      }
      case "resync_needed":
        this.queue(
          {
            event: "agent.error",
            error: {
              code: "resync_needed",
              message: `the runner dropped agent events ${e.lost_from}-${e.lost_to} before they were stored`,
            },
            recoverable: true,
          },
          e.seq,
        );
        break;
      case "output":
        // pi's stderr: diagnostics only, kept in the server log.
        if (e.stream === "stderr")
          this.deps.log.debug("agent stderr", { session: this.session.id, bytes: e.data.length });
        this.pendingSeq = Math.max(this.pendingSeq, e.seq);
        this.scheduleFlush();
        break;
      case "exit":
        this.pendingSeq = Math.max(this.pendingSeq, e.seq);
        this.flush(true);
        // The last event: acknowledged at once, so the runner can forget the process.
        this.acks.now();
        if (!e.restarting)
          this.markGone(
            e.signal ? `agent stopped by ${e.signal}` : `agent exited with code ${e.code}`,
            false,
          );
        break;
      default:
        this.pendingSeq = Math.max(this.pendingSeq, e.seq);
        this.scheduleFlush();
    }
  }

  private queue(event: AgentEvent, seq: number): void {
    this.pending.push(event);
    this.pendingSeq = seq;
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // Everything that arrived in one read from the runner is stored in one transaction.
    queueMicrotask(() => this.flush());
  }

  /**
   * Hand the batch with its watermark to the hub, which stores it in its user's next commit (one
   * transaction per event-loop turn for all their sessions) and fans it out; the runner gets a
   * coalesced ack only after that commit. `now`: commit at once (the process exited, the link
   * detaches, the server stops).
   */
  flush(now = false): void {
    this.flushScheduled = false;
    if (this.pendingSeq !== 0) {
      const events = this.pending;
      const seq = this.pendingSeq;
      this.pending = [];
      this.pendingSeq = 0;
      // pi has started once it announced its state (or failed to).
      if (events.some((e) => e.event === "session.state" || e.event === "agent.error")) this.starting = false;
      this.deps.hub.publishSoon(this.session.user_id, this.session, events, { proc: this.proc, seq }, () => {
        for (const e of events) {
          if (e.event === "agent.working") this.busy = true;
          else if (e.event === "agent.idle") this.busy = false;
        }
        if (events.length > 0) this.deps.onEvents?.(this, events);
        this.acks.note(seq);
      });
    }
    if (now) this.deps.hub.commit(this.session.user_id);
  }

  /** Store what arrived and acknowledge everything stored, now (the server is stopping). */
  flushAndAck(): void {
    this.flush(true);
    this.acks.now();
  }

  private markGone(why: string, lost: boolean): void {
    if (this.gone) return;
    this.gone = true;
    this.busy = false;
    this.deps.onGone?.(this, why, lost);
  }
}

import type { RunnerBrowserEvent } from "../../src/protocol/browser.ts";
import { fail, type Result } from "../../src/protocol/errors.ts";
import { type RunnerCall, type RunnerCallReply, TOOL_CALL_WAIT_MS } from "../../src/protocol/tools.ts";

/** A server connection that answers runner calls (it said `calls: true` in its hello). */
export interface CallSink {
  sendCall(call: RunnerCall): void;
  /** Live-view pushes of the agent browser (frames are latest-only). */
  pushBrowser?(event: RunnerBrowserEvent): void;
}

interface Waiting {
  call: RunnerCall;
  /** The connection it was last written to; null while it waits for one. */
  sentOn: CallSink | null;
  resolve: (r: Result<unknown>) => void;
  timer: ReturnType<typeof setTimeout>;
}

export type CallBody = Omit<RunnerCall, "call">;

/**
 * Calls from sandboxes that the server must answer. The runner outlives the server, so a call made
 * while the server is away (restarting, upgrading) waits for the next connection instead of
 * failing; a call whose connection dropped before the answer is sent again on the next one. Each
 * call waits at most `waitMs` in all, then fails with `server_unavailable`.
 *
 * Re-sending means a call can reach the server twice: fine for reads (search); an area with side
 * effects must deduplicate by the call's `(session, call)` pair.
 */
export class CallForwarder {
  private nextCall = 1;
  /** Connections able to answer, newest last: the newest one gets the calls. */
  private readonly sinks: CallSink[] = [];
  private readonly waiting = new Map<number, Waiting>();

  constructor(
    private readonly waitMs = TOOL_CALL_WAIT_MS,
    /** Told when a call has no connection to go to and starts waiting for one. */
    private readonly onWaiting: (call: RunnerCall) => void = () => {},
  ) {}

  /** Whether a server connection is there to take calls now. */
  get connected(): boolean {
    return this.sinks.length > 0;
  }

  /** The server connections attached now. */
  get attached(): readonly CallSink[] {
    return this.sinks;
  }

  get pendingCount(): number {
    return this.waiting.size;
  }

  attach(sink: CallSink): void {
    this.sinks.push(sink);
    for (const w of this.waiting.values()) if (w.sentOn === null) this.send(w, sink);
  }

  /** A connection closed: what it had not answered goes to the next one (now, or when one comes). */
  detach(sink: CallSink): void {
    const at = this.sinks.indexOf(sink);
    if (at < 0) return;
    this.sinks.splice(at, 1);
    const next = this.current();
    for (const w of this.waiting.values()) {
      if (w.sentOn !== sink) continue;
      w.sentOn = null;
      if (next) this.send(w, next);
      else this.onWaiting(w.call);
    }
  }

  forward(body: CallBody): Promise<Result<unknown>> {
    const call: RunnerCall = { ...body, call: this.nextCall++ };
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(call.call);
        resolve(
          fail(
            "server_unavailable",
            `octo's server did not answer within ${Math.round(this.waitMs / 1000)} s (it may be restarting); try again later`,
          ),
        );
      }, this.waitMs);
      const w: Waiting = { call, sentOn: null, resolve, timer };
      this.waiting.set(call.call, w);
      const sink = this.current();
      if (sink) this.send(w, sink);
      else this.onWaiting(call);
    });
  }

  /** An answer from a connection; answers to calls that already timed out are dropped. */
  settle(reply: RunnerCallReply): void {
    const w = this.waiting.get(reply.call);
    if (!w) return;
    this.waiting.delete(reply.call);
    clearTimeout(w.timer);
    w.resolve(reply.ok ? { ok: true, value: reply.data } : { ok: false, error: reply.error });
  }

  /** The runner is stopping: nobody will answer. */
  close(): void {
    for (const w of this.waiting.values()) {
      clearTimeout(w.timer);
      w.resolve(fail("server_unavailable", "the runner is stopping"));
    }
    this.waiting.clear();
  }

  private current(): CallSink | null {
    return this.sinks[this.sinks.length - 1] ?? null;
  }

  private send(w: Waiting, sink: CallSink): void {
    w.sentOn = sink;
    sink.sendCall(w.call);
  }
}

import * as v from "valibot";
import type { RunnerBrowserEvent } from "../src/protocol/browser.ts";
import { type ErrorBody, fail, ok, type Result } from "../src/protocol/errors.ts";
import {
  MAX_LINE_BYTES,
  parseRunnerRequest,
  RUNNER_OPS,
  RUNNER_PROTOCOL_VERSION,
} from "../src/protocol/runner.ts";
import { type RunnerCall, RunnerCallReplySchema } from "../src/protocol/tools.ts";
import { encodeLine, LineDecoder } from "../src/shared/lines.ts";
import type { Logger } from "../src/shared/log.ts";
import { FilesRoute } from "./files-route.ts";
import { handleRequest, type RunnerState } from "./ops.ts";
import type { Subscription, SubscriptionSink } from "./process-table.ts";
import { ReviewRoute } from "./review-route.ts";
import { secretMatches } from "./secret.ts";
import type { CallSink } from "./tools/forwarder.ts";
import type { Wire } from "./wire.ts";

/**
 * Above this many unsent bytes on the socket, event delivery waits for `drain`. Small on purpose:
 * every process's events share this one FIFO, so whatever sits in it is latency added to a quiet
 * process's next event. Backlogs wait in each process's own event buffer instead, where the
 * scheduler below can pass them by.
 */
const HIGH_WATER_BYTES = 32 << 10;
/** Lines a backlogged subscription sends per turn before the next one gets the socket. */
const TURN_LINES = 32;

/**
 * One client connection. The first line must be a `hello` with the right secret, or the
 * connection gets an error and is closed. After that every line is decoded and validated;
 * a bad line gets an error response and the connection carries on.
 */
export class RunnerConnection implements SubscriptionSink, CallSink {
  private authenticated = false;
  /** The client said it answers runner calls (the server does; tools and tests may not). */
  private answersCalls = false;
  private closed = false;
  /**
   * Subscriptions with lines to send, served in turns (round robin). One that was idle goes to the
   * front, like fq_codel's new flows: a live, low-rate stream is never queued behind the
   * backlogs of floods; a flood that keeps up goes to the back once its turn leaves lines behind.
   */
  private readonly ready: Subscription[] = [];
  private readonly isReady = new Set<Subscription>();
  /** A `deliver` is queued for the end of the current task. */
  private deliverQueued = false;

  private readonly decoder: LineDecoder;
  private readonly files: FilesRoute;

  private readonly waitingFrames = new Map<string, RunnerBrowserEvent>();

  constructor(
    private readonly wire: Wire,
    private readonly state: RunnerState,
    private readonly log: Logger,
  ) {
    this.decoder = new LineDecoder(
      MAX_LINE_BYTES,
      (line) => this.onLine(line),
      () =>
        this.reject(null, { code: "payload_too_large", message: `line longer than ${MAX_LINE_BYTES} bytes` }),
    );
    this.files = new FilesRoute(state.workspaceRoot, (event) => this.send(event));
  }

  /** Socket callbacks, wired by the daemon. */
  onData(chunk: Uint8Array): void {
    this.decoder.push(chunk);
  }

  /**
   * A browser push to the server. A frame goes only when nothing is queued on the socket; otherwise
   * it replaces the session's waiting frame and is sent on drain — a slow server skips frames.
   */
  pushBrowser(event: RunnerBrowserEvent): void {
    if (this.closed) return;
    if (event.event === "browser.frame" && this.wire.buffered > 0) {
      this.waitingFrames.set(event.session, event);
      return;
    }
    this.send(event);
  }

  onDrain(): void {
    if (this.wire.flush() && this.waitingFrames.size > 0) {
      const frames = [...this.waitingFrames.values()];
      this.waitingFrames.clear();
      for (const frame of frames) this.send(frame);
    }
    if (this.wire.flush()) this.deliver();
  }

  onClose(): void {
    this.closed = true;
    if (this.answersCalls) this.state.tools.forwarder.detach(this);
    this.state.table.detach(this);
    this.files.close();
  }

  /**
   * A subscription has new lines. Delivery runs once the current task is done (a microtask), so
   * every event of one chunk of pi's output — often dozens — goes out in one socket write
   * instead of one write each.
   */
  pump(sub: Subscription): void {
    if (this.closed) return;
    if (!this.isReady.has(sub)) {
      this.isReady.add(sub);
      this.ready.unshift(sub);
    }
    if (this.deliverQueued) return;
    this.deliverQueued = true;
    queueMicrotask(() => this.deliver());
  }

  /**
   * Turns until the socket is past its high water (then `drain` resumes) or nothing is left. The
   * turns' lines are joined into one write per high water's worth: the order and fairness of the
   * turns are those of one write per line, in far fewer system calls.
   */
  private deliver(): void {
    this.deliverQueued = false;
    while (!this.closed && this.wire.buffered < HIGH_WATER_BYTES) {
      const batch: string[] = [];
      let bytes = 0;
      while (this.wire.buffered + bytes < HIGH_WATER_BYTES) {
        const sub = this.ready.shift();
        if (!sub) break;
        if (!this.state.table.isCurrent(sub)) {
          this.isReady.delete(sub);
          continue;
        }
        const lines = this.state.table.pending(sub, TURN_LINES);
        for (const { seq, line } of lines) {
          batch.push(line);
          bytes += line.length;
          sub.position = seq;
        }
        if (lines.length === TURN_LINES) this.ready.push(sub);
        else this.isReady.delete(sub);
      }
      if (batch.length === 0) return;
      this.wire.write(batch.length === 1 ? (batch[0] as string) : batch.join(""));
      this.state.eventLinesSent += batch.length;
      this.state.eventWrites++;
    }
  }

  sendCall(call: RunnerCall): void {
    this.send(call);
  }

  private send(value: unknown): void {
    if (this.closed) return;
    // Events appended before this line still go first, as when each was written at once.
    if (this.deliverQueued) this.deliver();
    this.wire.write(encodeLine(value));
  }

  private respond(id: number | null, result: Result<unknown>): void {
    // `data` is always present (null for "nothing"): JSON drops undefined, and the schema requires it.
    this.send(
      result.ok ? { id, ok: true, data: result.value ?? null } : { id, ok: false, error: result.error },
    );
  }

  /** An error answer; before authentication also the end of the connection. */
  private reject(id: number | null, error: ErrorBody): void {
    this.send({ id, ok: false, error });
    if (!this.authenticated) this.end(error.message);
  }

  private end(reason: string): void {
    this.log.warn("closing connection", { reason });
    this.closed = true;
    this.wire.end();
  }

  private onLine(line: string) {
    if (this.closed) return;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      return this.reject(null, { code: "invalid_json", message: "line is not valid JSON" });
    }
    const id =
      typeof raw === "object" && raw !== null && "id" in raw && Number.isInteger(raw.id)
        ? (raw.id as number)
        : null;
    const op =
      typeof raw === "object" && raw !== null && "op" in raw ? (raw as { op: unknown }).op : undefined;
    if (this.authenticated && typeof raw === "object" && raw !== null && "call" in raw) {
      // The answer to a call this runner forwarded (a tool call from a sandbox).
      const reply = v.safeParse(RunnerCallReplySchema, raw);
      if (!reply.success)
        return this.reject(null, { code: "validation_failed", message: "call reply: invalid" });
      return this.state.tools.forwarder.settle(reply.output);
    }
    if (this.authenticated && FilesRoute.handles(op)) {
      this.files.handle(raw as Record<string, unknown>).then((r) => this.respond(id, r));
      return;
    }
    if (this.authenticated && ReviewRoute.handles(op)) {
      ReviewRoute.handle(this.state.workspaceRoot, raw as Record<string, unknown>).then((r) =>
        this.respond(id, r),
      );
      return;
    }
    if (typeof op === "string" && !(RUNNER_OPS as string[]).includes(op))
      return this.reject(id, {
        code: "unknown_command",
        message: `unknown op ${JSON.stringify(op).slice(0, 64)}`,
      });
    const parsed = parseRunnerRequest(raw);
    if (!parsed.success) {
      const issue = parsed.issues[0];
      const where = issue?.path?.map((p) => String(p.key)).join(".") || "request";
      return this.reject(id, {
        code: "validation_failed",
        message: `${where}: ${issue?.message ?? "invalid"}`,
      });
    }
    const req = parsed.output;
    if (!this.authenticated) {
      if (req.op !== "hello")
        return this.reject(req.id, { code: "unauthorized", message: "the first request must be hello" });
      if (!secretMatches(req.secret, this.state.secret))
        return this.reject(req.id, { code: "unauthorized", message: "wrong handshake secret" });
      if (req.protocol !== RUNNER_PROTOCOL_VERSION)
        return this.reject(req.id, {
          code: "bad_request",
          message: `protocol ${req.protocol} not supported (runner speaks ${RUNNER_PROTOCOL_VERSION})`,
        });
      this.authenticated = true;
    } else if (req.op === "hello") {
      return this.respond(req.id, fail("conflict", "already authenticated"));
    }
    if (req.op === "accept_calls") {
      this.respond(req.id, ok({}));
      // After the answer: calls waiting for a server follow it on this connection.
      if (!this.answersCalls) this.state.tools.forwarder.attach(this);
      this.answersCalls = true;
      return;
    }
    if (req.op === "browser") {
      this.state.browsers.control(req.session, req.control).then((r) => this.respond(req.id, r));
      return;
    }
    if (req.op === "agent") {
      const proc = this.state.table.get(req.proc);
      // Distinct from a `not_found` the agent itself may answer (an unknown dialog): the server revives on this.
      if (!proc.ok)
        return this.respond(req.id, fail("agent_crashed", `agent process ${req.proc} is no longer running`));
      this.state.idle.touch();
      proc.value.command(req.command).then((r) => this.respond(req.id, r));
      return;
    }
    if (req.op === "adopt") {
      this.state.idle.touch();
      this.state.table.adopt(req.proc, req.session).then((r) => this.respond(req.id, r));
      return;
    }
    this.respond(req.id, handleRequest(req, this.state, this));
    if (req.op === "subscribe") this.state.table.startDelivery(req.proc);
  }
}

import { readFileSync } from "node:fs";
import type * as v from "valibot";
import { type RunnerBrowserEvent, RunnerBrowserEventSchema } from "../protocol/browser.ts";
import { decode, decoded } from "../protocol/decode.ts";
import { fail, ok, type Result } from "../protocol/errors.ts";
import {
  type FileOp,
  type FileOpInput,
  type FileOpResult,
  FileOpResultSchemas,
  type FileWatchEvent,
  FileWatchEventSchema,
} from "../protocol/files.ts";
import {
  type ReviewOp,
  type ReviewOpInput,
  type ReviewOpResult,
  ReviewOpResultSchemas,
} from "../protocol/review.ts";
import {
  parseRunnerEvent,
  RUNNER_PROTOCOL_VERSION,
  type RunnerEvent,
  type RunnerOp,
  type RunnerParams,
  type RunnerResult,
  RunnerResultSchemas,
  type Signal,
  type SpawnParams,
} from "../protocol/runner.ts";
import { type RunnerCall, RunnerCallSchema } from "../protocol/tools.ts";
import { encodeLine } from "../shared/lines.ts";
import type { Logger } from "../shared/log.ts";
import { RpcChannel } from "./rpc.ts";

export interface RunnerClientOptions {
  /** The platform user this runner must serve; a runner answering for anyone else is refused. */
  user: string;
  socketPath: string;
  /** Read on every (re)connect: a restarted runner may have a new secret. */
  secretFile: string;
  log?: Logger;
  /** Backoff between reconnect attempts. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  timeoutMs?: number;
  /**
   * Answers calls the runner forwards (tool calls from sandboxes). With it, the client asks for
   * calls (`accept_calls`) after the hello, and the runner sends this connection its waiting calls.
   */
  onCall?: CallHandler;
  /** The agent browser's live view: frames and state the runner pushes (to connections with onCall). */
  onBrowserEvent?: BrowserEventHandler;
}

export type BrowserEventHandler = (runnerUser: string, event: RunnerBrowserEvent) => void;

/** `runnerUser` is the runner the call came from: the dispatcher checks it against the token. */
export type CallHandler = (runnerUser: string, call: RunnerCall) => Promise<Result<unknown>>;

export type EventHandler = (event: RunnerEvent) => void;

interface Subscription {
  /** Highest seq handed to `onEvent`: a reconnect resumes right after it. */
  lastSeq: number;
  onEvent: EventHandler;
}

export type ConnectionState = "connecting" | "connected" | "closed";

/**
 * The server's end of one runner. Connects and authenticates; after a lost connection it
 * reconnects with backoff and resubscribes each process right after the last event it delivered,
 * so the handler sees every event exactly once (a `resync_needed` marker stands in for events
 * the runner had to drop). Acknowledging is the caller's job: ack once an event is stored.
 */
export class RunnerClient {
  private channel: RpcChannel | null = null;
  private readonly subs = new Map<string, Subscription>();
  private state: ConnectionState = "connecting";
  private backoff: number;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private reopening: Promise<Result<void>> | null = null;
  private readonly stateListeners = new Set<(s: ConnectionState) => void>();
  private readonly fileListeners = new Set<(e: FileWatchEvent) => void>();
  runnerPid: number | null = null;
  /** The workspace root the connected runner reported in its hello (null: an older runner). */
  runnerWorkspace: string | null = null;

  constructor(private readonly opts: RunnerClientOptions) {
    this.backoff = opts.minBackoffMs ?? 50;
  }

  get user(): string {
    return this.opts.user;
  }
  get connectionState(): ConnectionState {
    return this.state;
  }

  onStateChange(listener: (s: ConnectionState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  /** First connection. Later losses are repaired in the background. */
  async connect(): Promise<Result<void>> {
    const r = await this.open();
    if (!r.ok) this.setState("closed");
    return r;
  }

  /**
   * After a lost connection, try to reconnect now instead of at the next backoff step; true when
   * connected. This is how "is the runner still there?" gets a real answer: a handshake, not a
   * socket that accepts (a killed runner's socket can accept for a moment while it is torn down).
   */
  async reconnectNow(): Promise<boolean> {
    if (this.state === "connected") return true;
    if (this.state === "closed") return false;
    if (this.reconnectTimer) {
      clearTimeout(this.reconnectTimer);
      this.reconnectTimer = null;
    }
    return (await this.reopen()).ok;
  }

  /** Drop the current connection and resume on a new one (also what happens after a network loss). */
  reconnect(): void {
    this.channel?.destroy("reconnect requested");
  }

  close(): void {
    this.setState("closed");
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.channel?.destroy("client closed");
    this.channel = null;
  }

  spawn(params: Omit<SpawnParams, "user">) {
    return this.call("spawn", { ...params, user: this.opts.user });
  }
  write(proc: string, bytes: Uint8Array | string) {
    return this.call("write", { proc, data: Buffer.from(bytes).toString("base64") });
  }
  closeStdin(proc: string) {
    return this.call("close_stdin", { proc });
  }
  resize(proc: string, cols: number, rows: number) {
    return this.call("resize", { proc, cols, rows });
  }
  signal(proc: string, signal: Signal) {
    return this.call("signal", { proc, signal });
  }
  kill(proc: string) {
    return this.call("kill", { proc });
  }
  killTag(tag: string) {
    return this.call("kill_tag", { tag });
  }
  /** The running agent `proc` (a warm spare) becomes `session`'s agent; answers pi's state then. */
  adopt(proc: string, session: string, timeoutMs: number) {
    return this.call("adopt", { proc, session }, { timeoutMs });
  }
  list(tag?: string) {
    return this.call("list", tag === undefined ? {} : { tag });
  }
  status() {
    return this.call("status", {});
  }
  ack(proc: string, seq: number) {
    return this.call("ack", { proc, seq });
  }

  /** A project file op (`src/protocol/files.ts`), run by the runner as the user. */
  fs<Op extends FileOp>(op: Op, params: FileOpInput<Op>): Promise<Result<FileOpResult<Op>>> {
    if (!this.channel?.isOpen)
      return Promise.resolve(fail("runner_unavailable", `runner for ${this.opts.user} is not connected`));
    const schema = FileOpResultSchemas[op] as unknown as v.GenericSchema<unknown, FileOpResult<Op>>;
    return this.channel.request({ op, ...params }, schema);
  }

  /** A review op (`src/protocol/review.ts`): checkpoints, changes, restore, discard, run by the runner as the user. */
  review<Op extends ReviewOp>(op: Op, params: ReviewOpInput<Op>): Promise<Result<ReviewOpResult<Op>>> {
    if (!this.channel?.isOpen)
      return Promise.resolve(fail("runner_unavailable", `runner for ${this.opts.user} is not connected`));
    const schema = ReviewOpResultSchemas[op] as unknown as v.GenericSchema<unknown, ReviewOpResult<Op>>;
    // A restore may first wait for a working agent to stop, and a first checkpoint hashes every file.
    return this.channel.request({ op, ...params }, schema, 120_000);
  }

  /** `fs.changes` pushes of this connection's watches (watches end when a connection drops). */
  onFileEvent(listener: (e: FileWatchEvent) => void): () => void {
    this.fileListeners.add(listener);
    return () => this.fileListeners.delete(listener);
  }

  /** Events with seq > afterSeq, then live ones, to `onEvent` — across reconnects. */
  async subscribe(proc: string, afterSeq: number, onEvent: EventHandler) {
    const sub: Subscription = { lastSeq: afterSeq, onEvent };
    this.subs.set(proc, sub);
    const r = await this.call("subscribe", { proc, after_seq: afterSeq });
    if (!r.ok && this.subs.get(proc) === sub) this.subs.delete(proc);
    return r;
  }

  async unsubscribe(proc: string) {
    this.subs.delete(proc);
    return this.call("unsubscribe", { proc });
  }

  /** A request typed per op, parameters and result; `data` is validated against the op's schema. */
  call<Op extends RunnerOp>(
    op: Op,
    params: RunnerParams<Op>,
    opts: { timeoutMs?: number } = {},
  ): Promise<Result<RunnerResult<Op>>> {
    if (!this.channel?.isOpen)
      return Promise.resolve(fail("runner_unavailable", `runner for ${this.opts.user} is not connected`));
    const schema = RunnerResultSchemas[op] as unknown as v.GenericSchema<unknown, RunnerResult<Op>>;
    return this.channel.request({ op, ...params }, schema, opts.timeoutMs);
  }

  private setState(s: ConnectionState): void {
    if (this.state === s || this.state === "closed") return;
    this.state = s;
    for (const l of this.stateListeners) l(s);
  }

  private readSecret(): Result<string> {
    try {
      return ok(readFileSync(this.opts.secretFile, "utf8").trim());
    } catch (e) {
      return fail("runner_unavailable", `cannot read runner secret: ${(e as NodeJS.ErrnoException).code}`);
    }
  }

  private async open(): Promise<Result<void>> {
    const secret = this.readSecret();
    if (!secret.ok) return secret;
    const opened = await RpcChannel.open(this.opts.socketPath, {
      timeoutMs: this.opts.timeoutMs,
      onEvent: (line) => ("call" in line ? this.onCall(channel, line) : this.onEvent(line)),
      onClose: (reason) => this.onClose(channel, reason),
    });
    if (!opened.ok) return opened;
    const channel = opened.value;
    const hello = await channel.request(
      {
        op: "hello",
        secret: secret.value,
        protocol: RUNNER_PROTOCOL_VERSION,
        client: "octo-server",
      },
      RunnerResultSchemas.hello,
    );
    if (!hello.ok) {
      channel.destroy();
      return hello;
    }
    if (hello.value.user !== this.opts.user) {
      channel.destroy();
      return fail(
        "forbidden",
        `runner at ${this.opts.socketPath} serves ${hello.value.user}, not ${this.opts.user}`,
      );
    }
    if (this.opts.onCall) {
      const accepted = await channel.request({ op: "accept_calls" }, RunnerResultSchemas.accept_calls);
      // A runner from before tool calls: everything else still works; its sandboxes' tools wait.
      if (!accepted.ok)
        this.opts.log?.warn("runner does not forward tool calls", {
          user: this.opts.user,
          ...accepted.error,
        });
    }
    this.runnerPid = hello.value.pid;
    this.runnerWorkspace = hello.value.workspace ?? null;
    this.channel = channel;
    this.backoff = this.opts.minBackoffMs ?? 50;
    this.setState("connected");
    for (const [proc, sub] of this.subs) {
      const r = await channel.request(
        { op: "subscribe", proc, after_seq: sub.lastSeq },
        RunnerResultSchemas.subscribe,
      );
      if (!r.ok && r.error.code === "not_found") this.subs.delete(proc);
    }
    return ok(undefined);
  }

  /** A call from the runner: answered on the connection it came on (a lost answer is asked again). */
  private onCall(channel: RpcChannel, line: Record<string, unknown>): void {
    const handler = this.opts.onCall;
    const parsed = decode(RunnerCallSchema, line, "call");
    if (!parsed.ok) {
      this.opts.log?.warn("invalid call from runner", { user: this.opts.user, issue: parsed.error.message });
      if (Number.isInteger(line.call))
        channel.sendRaw(
          encodeLine({
            call: line.call,
            ok: false,
            error: { code: "validation_failed", message: "invalid call" },
          }),
        );
      return;
    }
    const call = parsed.value;
    const answer = handler
      ? handler(this.opts.user, call).catch((e: unknown) =>
          fail("internal", `tool call failed: ${String(e)}`),
        )
      : Promise.resolve(fail("unknown_command", "this client answers no calls"));
    void answer.then((r) => {
      if (!channel.isOpen) return;
      channel.sendRaw(
        encodeLine(
          r.ok
            ? { call: call.call, ok: true, data: r.value ?? null }
            : { call: call.call, ok: false, error: r.error },
        ),
      );
    });
  }

  private onEvent(line: Record<string, unknown>): void {
    if (typeof line.event === "string" && line.event.startsWith("browser.")) {
      const browserEvent = decode(RunnerBrowserEventSchema, line, "browser event");
      if (browserEvent.ok) this.opts.onBrowserEvent?.(this.opts.user, browserEvent.value);
      else this.opts.log?.warn("invalid browser event from runner", { issue: browserEvent.error.message });
      return;
    }
    if (line.event === "fs.changes") {
      const fsEvent = decode(FileWatchEventSchema, line, "fs.changes");
      if (fsEvent.ok) for (const l of this.fileListeners) l(fsEvent.value);
      else this.opts.log?.warn("invalid fs event from runner", { issue: fsEvent.error.message });
      return;
    }
    const parsed = decoded(parseRunnerEvent(line), "runner event");
    if (!parsed.ok) {
      this.opts.log?.warn("invalid event from runner", { user: this.opts.user, issue: parsed.error.message });
      return;
    }
    const event = parsed.value;
    const sub = this.subs.get(event.proc);
    // Stale events (a replay racing a resubscribe) are dropped here: never deliver twice.
    if (!sub || event.seq <= sub.lastSeq) return;
    sub.lastSeq = event.seq;
    sub.onEvent(event);
  }

  private onClose(channel: RpcChannel, reason: string): void {
    if (this.channel !== channel) return;
    this.channel = null;
    if (this.state === "closed") return;
    this.opts.log?.warn("runner connection lost", { user: this.opts.user, reason });
    this.setState("connecting");
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.state === "closed" || this.reconnectTimer) return;
    const delay = this.backoff;
    this.backoff = Math.min(this.backoff * 2, this.opts.maxBackoffMs ?? 5000);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (this.state !== "closed") void this.reopen();
    }, delay);
  }

  /** One reconnection attempt at a time, whether the backoff timer or `reconnectNow` asked for it. */
  private reopen(): Promise<Result<void>> {
    this.reopening ??= this.open()
      .catch((e: unknown) => fail("runner_unavailable", `reconnect failed: ${(e as Error).message}`))
      .then((r) => {
        this.reopening = null;
        if (!r.ok) this.scheduleReconnect();
        return r;
      });
    return this.reopening;
  }
}

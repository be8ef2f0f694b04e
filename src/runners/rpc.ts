import { connect, type Socket } from "node:net";
import type * as v from "valibot";
import { decode } from "../protocol/decode.ts";
import { type ErrorCode, fail, ok, type Result } from "../protocol/errors.ts";
import { MAX_LINE_BYTES, ResponseSchema } from "../protocol/runner.ts";
import { encodeLine, LineDecoder } from "../shared/lines.ts";

/**
 * The client end of a JSON-lines request/response channel (runner or system component).
 * Every line from the other side is validated; a response is matched to its request by id and
 * its `data` decoded with the op's schema. Lines that are not responses go to `onEvent`.
 */
export interface RpcChannelOptions {
  onEvent?: (line: Record<string, unknown>) => void;
  onClose?: (reason: string) => void;
  /** Per-request timeout. */
  timeoutMs?: number;
}

interface Pending {
  resolve: (r: Result<unknown>) => void;
  schema: v.GenericSchema;
  timer: ReturnType<typeof setTimeout>;
}

export class RpcChannel {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private closed = false;

  private constructor(
    private readonly socket: Socket,
    private readonly opts: RpcChannelOptions,
  ) {
    const decoder = new LineDecoder(
      MAX_LINE_BYTES,
      (line) => this.onLine(line),
      () => this.destroy("line from peer too long"),
    );
    socket.on("data", (chunk: Buffer) => decoder.push(chunk));
    socket.on("close", () => this.finish("connection closed"));
    socket.on("error", (e) => this.finish(e.message));
  }

  static open(socketPath: string, opts: RpcChannelOptions = {}): Promise<Result<RpcChannel>> {
    return new Promise((resolve) => {
      const socket = connect(socketPath);
      const onError = (e: NodeJS.ErrnoException) =>
        resolve(fail("runner_unavailable", `cannot connect to ${socketPath}: ${e.code ?? e.message}`));
      socket.once("error", onError);
      socket.once("connect", () => {
        socket.off("error", onError);
        socket.setNoDelay?.(true);
        resolve(ok(new RpcChannel(socket, opts)));
      });
    });
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /** `timeoutMs`: this request's own limit, for ops that legitimately wait (an agent that is starting). */
  request<T>(
    message: Record<string, unknown>,
    schema: v.GenericSchema<unknown, T>,
    timeoutMs = this.timeoutMs,
  ): Promise<Result<T>> {
    if (this.closed) return Promise.resolve(fail("runner_unavailable", "not connected"));
    const id = this.nextId++;
    return new Promise<Result<T>>((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve(fail("runner_unavailable", `no answer to ${String(message.op)} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve: resolve as (r: Result<unknown>) => void, schema, timer });
      this.socket.write(encodeLine({ ...message, id }));
    });
  }

  /** Fire-and-forget line (used for raw protocol tests and acks that need no answer). */
  sendRaw(text: string): void {
    if (!this.closed) this.socket.write(text);
  }

  destroy(reason = "closed by client"): void {
    this.socket.destroy();
    this.finish(reason);
  }

  private get timeoutMs(): number {
    return this.opts.timeoutMs ?? 15_000;
  }

  private onLine(line: string) {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      return this.destroy("peer sent a line that is not JSON");
    }
    if (typeof value !== "object" || value === null || Array.isArray(value))
      return this.destroy("peer sent a line that is not an object");
    const record = value as Record<string, unknown>;
    if (!("id" in record)) {
      this.opts.onEvent?.(record);
      return;
    }
    const parsed = decode(ResponseSchema, record, "response");
    if (!parsed.ok) return this.destroy(`peer sent an invalid ${parsed.error.message}`);
    const response = parsed.value;
    const pending = response.id === null ? undefined : this.pending.get(response.id);
    if (!pending) return; // a late answer to a timed-out request, or an id-less protocol error
    this.pending.delete(response.id as number);
    clearTimeout(pending.timer);
    if (!response.ok) return pending.resolve(fail(response.error.code as ErrorCode, response.error.message));
    // A runner answering with the wrong shape is our bug or a version skew, not the caller's input.
    const data = decode(pending.schema, response.data, "response data");
    pending.resolve(data.ok ? data : fail("internal", `invalid ${data.error.message}`));
  }

  private finish(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    for (const [, p] of this.pending) {
      clearTimeout(p.timer);
      p.resolve(fail("runner_unavailable", `connection lost: ${reason}`));
    }
    this.pending.clear();
    this.opts.onClose?.(reason);
  }
}

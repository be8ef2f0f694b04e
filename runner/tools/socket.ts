import { chmodSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import * as v from "valibot";
import { describeIssues } from "../../src/protocol/decode.ts";
import { type ErrorBody, fail, type Result } from "../../src/protocol/errors.ts";
import { MAX_TOOL_LINE_BYTES, type ToolRequest, ToolRequestSchema } from "../../src/protocol/tools.ts";
import { encodeLine, LineDecoder } from "../../src/shared/lines.ts";
import type { Logger } from "../../src/shared/log.ts";
import { secretMatches } from "../secret.ts";
import type { CallForwarder } from "./forwarder.ts";

/** File name of the socket inside each session's tool directory (the directory is what gets bound). */
export const TOOL_SOCKET_NAME = "tool.sock";
/** Unix socket paths are limited to 108 bytes including the NUL. */
const MAX_SOCKET_PATH = 107;

/**
 * An area the runner answers itself, in the user's context, without the server (the agent
 * browser will be one: its Chromium runs beside the session's sandbox, driven by the runner).
 */
export interface LocalArea {
  handle(session: string, verb: string, args: Record<string, unknown>): Promise<Result<unknown>>;
  /** The session's agent is gone for good: let go of what the area holds for it. */
  closeSession?(session: string): void;
}

export interface ToolSocketOptions {
  session: string;
  /** The session's token, as the server put it into the spawn's environment. */
  token: string;
  dir: string;
  forwarder: CallForwarder;
  localAreas: ReadonlyMap<string, LocalArea>;
  log: Logger;
}

/** Calls one session may have in flight at once; more get `busy` (a loop in the sandbox, not a user). */
const MAX_IN_FLIGHT = 32;

interface Conn {
  decoder: LineDecoder;
  /** Answer bytes the socket did not take yet; sent on `drain`. */
  unsent: Buffer[];
}

/**
 * One agent session's tool socket. Every line is one request; each gets exactly one answer line,
 * in any order (answers carry the request's `id`). A bad line gets an error and the connection
 * carries on; nothing a sandbox sends can make a call hang.
 */
export class ToolSocket {
  private inFlight = 0;

  private constructor(
    readonly path: string,
    private readonly listener: Bun.UnixSocketListener<Conn>,
    private opts: ToolSocketOptions,
  ) {}

  static open(opts: ToolSocketOptions): Result<ToolSocket> {
    const path = join(opts.dir, TOOL_SOCKET_NAME);
    if (Buffer.byteLength(path) > MAX_SOCKET_PATH)
      return fail("sandbox_failed", `tool socket path ${path} is longer than ${MAX_SOCKET_PATH} bytes`);
    let self: ToolSocket | null = null;
    try {
      mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
      chmodSync(opts.dir, 0o700);
      rmSync(path, { force: true });
      const listener = Bun.listen<Conn>({
        unix: path,
        socket: {
          open(socket) {
            socket.data = {
              decoder: new LineDecoder(
                MAX_TOOL_LINE_BYTES,
                (line) => self?.onLine(socket, line),
                () => reply(socket, null, tooLong),
              ),
              unsent: [],
            };
          },
          data: (socket, chunk) => socket.data.decoder.push(chunk),
          drain: (socket) => flush(socket),
          error: () => {},
        },
      });
      self = new ToolSocket(path, listener, opts);
      return { ok: true, value: self };
    } catch (e) {
      return fail("sandbox_failed", `cannot open the tool socket ${path}: ${(e as Error).message}`);
    }
  }

  close(): void {
    this.listener.stop(true);
    rmSync(this.opts.dir, { recursive: true, force: true });
  }

  /**
   * The socket now serves `session` from `dir`, its directory renamed there by the caller (the
   * listener and the sandbox's bind both follow the directory, so connections keep working).
   */
  renamed(session: string, dir: string): void {
    this.opts = { ...this.opts, session, dir };
  }

  private async onLine(socket: Bun.Socket<Conn>, line: string): Promise<void> {
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      return reply(socket, null, { code: "invalid_json", message: "the request line is not valid JSON" });
    }
    const id =
      typeof raw === "object" && raw !== null && Number.isInteger((raw as { id?: unknown }).id)
        ? ((raw as { id: number }).id as number)
        : null;
    const parsed = v.safeParse(ToolRequestSchema, raw);
    if (!parsed.success)
      return reply(socket, id, { code: "validation_failed", message: describeIssues(parsed.issues) });
    if (this.inFlight >= MAX_IN_FLIGHT)
      return reply(socket, id, { code: "busy", message: `more than ${MAX_IN_FLIGHT} tool calls at once` });
    this.inFlight++;
    const result = await this.handle(parsed.output).finally(() => this.inFlight--);
    reply(socket, id, result.ok ? { data: result.value } : result.error);
  }

  private handle(req: ToolRequest): Promise<Result<unknown>> {
    // The server checks the token too (and what it may act for); this only turns strangers away early.
    if (!secretMatches(req.token, this.opts.token))
      return Promise.resolve(fail("token_invalid", "this tool token is not valid for this session"));
    const local = this.opts.localAreas.get(req.area);
    if (local) return local.handle(this.opts.session, req.verb, req.args);
    this.opts.log.debug("tool call forwarded", {
      session: this.opts.session,
      area: req.area,
      verb: req.verb,
    });
    return this.opts.forwarder.forward({
      op: "tool",
      session: this.opts.session,
      area: req.area,
      verb: req.verb,
      args: req.args,
      token: req.token,
    });
  }
}

const tooLong: ErrorBody = {
  code: "payload_too_large",
  message: `request line longer than ${MAX_TOOL_LINE_BYTES} bytes`,
};

function reply(socket: Bun.Socket<Conn>, id: number | null, body: ErrorBody | { data: unknown }): void {
  const line = "data" in body ? { id, ok: true, data: body.data ?? null } : { id, ok: false, error: body };
  socket.data.unsent.push(Buffer.from(encodeLine(line)));
  flush(socket);
}

/** Writes what the socket takes; the rest waits for `drain`. */
function flush(socket: Bun.Socket<Conn>): void {
  const queue = socket.data.unsent;
  while (queue.length > 0) {
    const head = queue[0] as Buffer;
    const written = socket.write(head);
    if (written < head.length) {
      queue[0] = head.subarray(Math.max(0, written));
      return;
    }
    queue.shift();
  }
}

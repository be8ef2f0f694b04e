import type { ErrorBody } from "../../src/protocol/errors.ts";
import { type PiLine, PiLineReader } from "./framing.ts";
import { piFailure } from "./pi-state.ts";

/**
 * The wire to one pi process: writes commands with ids, reads stdout lines, correlates responses
 * by id (pi handles lines concurrently, so they come back out of order), and attributes the two
 * id-less failures (parse error, unknown command) to the oldest pending request of that command.
 */

/** pi's stdio, injectable: the runner spawns pi inside octo-sandbox; tests may spawn it directly. */
export interface PiIo {
  /** Write to pi's stdin. May throw once pi is gone. */
  write(data: string): void;
  stdout: ReadableStream<Uint8Array>;
  /** Settles when the process has exited. */
  exited: Promise<{ code: number | null; signal: string | null }>;
  kill(signal?: NodeJS.Signals): void;
  /** Close pi's stdin (pi exits on EOF). */
  end(): void;
}

/** A Bun subprocess spawned with `stdin: "pipe", stdout: "pipe"`. */
export function ioFromSubprocess(proc: Bun.Subprocess<"pipe", "pipe", "pipe" | "inherit" | "ignore">): PiIo {
  return {
    write: (data) => {
      proc.stdin.write(data);
      proc.stdin.flush();
    },
    stdout: proc.stdout,
    exited: proc.exited.then((code) => ({
      code: proc.signalCode ? null : code,
      signal: proc.signalCode ? String(proc.signalCode) : null,
    })),
    kill: (signal) => proc.kill(signal),
    end: () => {
      try {
        proc.stdin.end();
      } catch {
        // already closed
      }
    },
  };
}

export type PiResult = { ok: true; data: unknown } | { ok: false; error: ErrorBody };

interface Pending {
  command: string;
  resolve: (r: PiResult) => void;
}

export interface ChannelHandlers {
  /** Every non-response line, in stdout order. */
  onLine(line: PiLine): void;
  /** stdout ended; `tail` is a line cut off mid-write. Called once, before pending requests fail. */
  onEnd(tail: string | undefined): void;
  /** A response nobody waits for (id-less, unmatched). */
  onStrayResponse?(response: Record<string, unknown>): void;
}

export class RpcChannel {
  private nextId = 1;
  private readonly pending = new Map<string, Pending>();
  private closedWith: ErrorBody | undefined;
  readonly done: Promise<void>;

  constructor(
    private readonly io: PiIo,
    private readonly handlers: ChannelHandlers,
  ) {
    this.done = this.readLoop();
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  /** Send a command and wait for its response. Never throws. */
  request(command: Record<string, unknown> & { type: string }): Promise<PiResult> {
    if (this.closedWith) return Promise.resolve({ ok: false, error: this.closedWith });
    const id = `o${this.nextId++}`;
    return new Promise((resolve) => {
      this.pending.set(id, { command: command.type, resolve });
      if (!this.send({ ...command, id })) {
        this.pending.delete(id);
        resolve({ ok: false, error: this.closedWith ?? gone("pi's stdin is closed") });
      }
    });
  }

  /** Fire-and-forget (extension_ui_response has no response). */
  send(obj: object): boolean {
    if (this.closedWith) return false;
    try {
      this.io.write(`${JSON.stringify(obj)}\n`);
      return true;
    } catch (e) {
      this.closedWith = gone(`cannot write to pi: ${(e as Error).message}`);
      return false;
    }
  }

  private async readLoop(): Promise<void> {
    const reader = new PiLineReader((l) => this.line(l));
    try {
      for await (const chunk of this.io.stdout) reader.push(chunk);
    } catch {
      // a broken pipe ends the stream like EOF does
    }
    this.handlers.onEnd(reader.end());
    this.closedWith ??= gone("pi exited");
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      p.resolve({ ok: false, error: this.closedWith });
    }
  }

  private line(line: PiLine): void {
    if (line.kind === "json" && line.value.type === "response") this.response(line.value);
    else this.handlers.onLine(line);
  }

  private response(r: Record<string, unknown>): void {
    const command = typeof r.command === "string" ? r.command : "";
    let id = typeof r.id === "string" ? r.id : undefined;
    if (id === undefined && r.success === false) {
      // parse errors say command "parse"; unknown commands echo the type. Oldest pending wins.
      for (const [pid, p] of this.pending) {
        if (p.command === command || command === "parse") {
          id = pid;
          break;
        }
      }
    }
    const p = id === undefined ? undefined : this.pending.get(id);
    if (!p || id === undefined) {
      this.handlers.onStrayResponse?.(r);
      return;
    }
    this.pending.delete(id);
    p.resolve(
      r.success === true ? { ok: true, data: r.data } : { ok: false, error: piFailure(command, r.error) },
    );
  }
}

const gone = (message: string): ErrorBody => ({ code: "agent_crashed", message });

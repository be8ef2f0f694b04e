import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { RunnerEvent } from "../../src/protocol/runner.ts";
import { RunnerClient } from "../../src/runners/client.ts";
import { RpcChannel } from "../../src/runners/rpc.ts";
import { commandFor } from "../../src/shared/paths.ts";
import {
  newHandshakeSecret,
  type RunnerFiles,
  singleUserRunnerFiles,
} from "../../src/shared/runner-layout.ts";

/** Resolves when `check()` holds; `tick` wakes it (an event arrived). Fails after `ms`. */
export function until<T>(
  what: string,
  check: () => T | undefined | false,
  subscribe: (wake: () => void) => () => void,
  ms = 15_000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const first = check();
    if (first) return resolve(first);
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`timed out after ${ms} ms waiting for ${what}`));
    }, ms);
    const stop = subscribe(() => {
      const value = check();
      if (value) {
        clearTimeout(timer);
        stop();
        resolve(value);
      }
    });
  });
}

/** Collects one process's events and lets a test wait for conditions on them. */
export class EventLog {
  readonly events: RunnerEvent[] = [];
  private readonly wakers = new Set<() => void>();

  readonly push = (e: RunnerEvent) => {
    this.events.push(e);
    for (const w of [...this.wakers]) w();
  };

  text(): string {
    return this.events
      .filter((e) => e.event === "output")
      .map((e) => Buffer.from(e.data, "base64").toString())
      .join("");
  }

  waitFor<T>(what: string, check: () => T | undefined | false, ms?: number): Promise<T> {
    return until(
      what,
      check,
      (wake) => {
        this.wakers.add(wake);
        return () => this.wakers.delete(wake);
      },
      ms,
    );
  }

  waitText(pattern: RegExp | string, ms?: number): Promise<string> {
    const test = (t: string) => (typeof pattern === "string" ? t.includes(pattern) : pattern.test(t));
    return this.waitFor(`output ${pattern}`, () => test(this.text()) && this.text(), ms);
  }

  waitExit(ms?: number) {
    return this.waitFor(
      "final exit",
      () => this.events.find((e) => e.event === "exit" && !e.restarting),
      ms,
    ) as Promise<Extract<RunnerEvent, { event: "exit" }>>;
  }
}

export interface LocalRunner {
  root: string;
  files: RunnerFiles;
  workspace: string;
  project: string;
  proc: Bun.Subprocess;
  stderr: () => string;
  client(user?: string): Promise<RunnerClient>;
  /** A raw channel (no hello yet) for protocol-level tests. */
  raw(): Promise<RpcChannel>;
  stop(): Promise<void>;
}

/** A real octo-runner subprocess in single-user layout under a fresh temp dir, as the current user. */
export async function startLocalRunner(
  opts: { user?: string; maxProcesses?: number; bufferBytes?: number; env?: Record<string, string> } = {},
): Promise<LocalRunner> {
  const root = mkdtempSync("/tmp/octo-runner-test-");
  chmodSync(root, 0o755);
  const sockDir = join(root, "run");
  mkdirSync(sockDir, { mode: 0o700 });
  const files = singleUserRunnerFiles(sockDir);
  writeFileSync(files.runnerSecret, `${newHandshakeSecret()}\n`, { mode: 0o600 });
  const workspace = join(root, "octo");
  const project = join(workspace, "proj");
  mkdirSync(project, { recursive: true });
  const user = opts.user ?? "local";
  const argv = [
    ...commandFor("octo-runner"),
    "--user",
    user,
    "--socket-dir",
    sockDir,
    "--workspace",
    workspace,
    "--max-processes",
    String(opts.maxProcesses ?? 16),
    ...(opts.bufferBytes ? ["--buffer-bytes", String(opts.bufferBytes)] : []),
  ];
  let stderr = "";
  let listening!: () => void;
  const ready = new Promise<void>((r) => {
    listening = r;
  });
  const proc = Bun.spawn(argv, { env: { ...process.env, ...opts.env }, stdout: "ignore", stderr: "pipe" });
  (async () => {
    for await (const chunk of proc.stderr as ReadableStream<Uint8Array>) {
      stderr += Buffer.from(chunk).toString();
      if (stderr.includes("runner listening")) listening();
    }
  })();
  await Promise.race([
    ready,
    proc.exited.then((code) => {
      throw new Error(`runner exited ${code}: ${stderr}`);
    }),
  ]);
  const clients: RunnerClient[] = [];
  const raws: RpcChannel[] = [];
  return {
    root,
    files,
    workspace,
    project,
    proc,
    stderr: () => stderr,
    async client(name = user) {
      const c = new RunnerClient({ user: name, socketPath: files.socket, secretFile: files.serverSecret });
      const r = await c.connect();
      if (!r.ok) throw new Error(r.error.message);
      clients.push(c);
      return c;
    },
    async raw() {
      const r = await RpcChannel.open(files.socket);
      if (!r.ok) throw new Error(r.error.message);
      raws.push(r.value);
      return r.value;
    },
    async stop() {
      for (const c of clients) c.close();
      for (const r of raws) r.destroy();
      proc.kill("SIGTERM");
      await proc.exited;
      rmSync(root, { recursive: true, force: true });
    },
  };
}

export const b64 = (s: string) => Buffer.from(s).toString("base64");

/** Polls a condition on state the test cannot subscribe to (e.g. /proc), until it holds. */
export async function waitUntil<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  ms = 15_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A bare socket speaking lines, for protocol-level bad-input tests. */
export async function rawLines(socketPath: string) {
  const { connect } = await import("node:net");
  const { LineDecoder } = await import("../../src/shared/lines.ts");
  const socket = connect(socketPath);
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("error", reject);
  });
  const lines: Record<string, unknown>[] = [];
  const wakers = new Set<() => void>();
  let closed = false;
  const decoder = new LineDecoder(
    1 << 24,
    (l) => {
      lines.push(JSON.parse(l));
      for (const w of [...wakers]) w();
    },
    () => {},
  );
  socket.on("data", (c: Buffer) => decoder.push(c));
  socket.on("close", () => {
    closed = true;
    for (const w of [...wakers]) w();
  });
  socket.on("error", () => {});
  const sub = (wake: () => void) => {
    wakers.add(wake);
    return () => wakers.delete(wake);
  };
  let read = 0;
  return {
    send: (text: string) => socket.write(text),
    /** The next line not yet returned. */
    next: () => until("a line", () => lines.length > read && (lines[read++] as Record<string, unknown>), sub),
    closed: () => until("the connection to close", () => closed, sub),
    isClosed: () => closed,
    close: () => socket.destroy(),
  };
}

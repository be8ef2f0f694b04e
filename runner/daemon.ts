import { chmodSync, existsSync, lstatSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fail, ok, type Result } from "../src/protocol/errors.ts";
import type { Logger } from "../src/shared/log.ts";
import type { RunnerFiles } from "../src/shared/runner-layout.ts";
import { BrowserService } from "./browser/service.ts";
import { RunnerConnection } from "./connection.ts";
import { IdleCollector } from "./idle-gc.ts";
import type { Launcher } from "./launcher.ts";
import type { RunnerState } from "./ops.ts";
import { ProcessTable } from "./process-table.ts";
import { recoverRestores } from "./review/recover.ts";
import type { SandboxLedger } from "./sandbox/ledger.ts";
import type { SandboxCgroups } from "./sandbox-cgroups.ts";
import { ToolService } from "./tools/service.ts";
import { socketAnswers, Wire } from "./wire.ts";

export interface RunnerDaemonOptions {
  user: string;
  files: RunnerFiles;
  workspaceRoot: string;
  maxProcesses: number;
  maxBufferBytes: number;
  launcher: Launcher;
  /** Agent browsers this user may have open at once (`runner.max_browsers`). */
  maxBrowsers?: number;
  /** Sandboxes a dead predecessor on this socket left running: swept once the socket is ours. */
  ledger?: SandboxLedger;
  /** Per-sandbox pids cgroups: the leaves a dead predecessor left are removed at start. */
  cgroups?: SandboxCgroups | null;
  log: Logger;
}

export interface RunningRunner {
  state: RunnerState;
  /** Stop listening, kill every process, remove the socket and pid file. */
  stop(): Promise<void>;
}

export const MIN_SECRET_LENGTH = 32;
export const DEFAULT_MAX_BROWSERS = 2;
/** An agent browser nobody used for this long is closed (its memory matters more than its state). */
const BROWSER_IDLE_MS = 10 * 60_000;
/** V8 heap cap per browser: the sandbox's address-space limit does not apply to Chromium (join.ts). */
const BROWSER_HEAP_MB = 512;

function readSecret(file: string): Result<string> {
  try {
    const stat = lstatSync(file);
    if (!stat.isFile()) return fail("bad_request", `secret ${file} is not a regular file`);
    if ((stat.mode & 0o077 & ~0o040) !== 0)
      return fail(
        "bad_request",
        `secret ${file} is readable by others (mode ${(stat.mode & 0o777).toString(8)})`,
      );
    const secret = readFileSync(file, "utf8").trim();
    if (secret.length < MIN_SECRET_LENGTH)
      return fail("bad_request", `secret ${file} is shorter than ${MIN_SECRET_LENGTH} characters`);
    return ok(secret);
  } catch (e) {
    return fail("bad_request", `cannot read secret ${file}: ${(e as NodeJS.ErrnoException).code ?? e}`);
  }
}

export async function startRunnerDaemon(opts: RunnerDaemonOptions): Promise<Result<RunningRunner>> {
  const { files, log } = opts;
  const secret = readSecret(files.runnerSecret);
  if (!secret.ok) return secret;
  if (!existsSync(opts.workspaceRoot))
    return fail("bad_request", `workspace ${opts.workspaceRoot} does not exist`);
  if (existsSync(files.socket)) {
    if (await socketAnswers(files.socket))
      return fail("conflict", `a runner is already listening on ${files.socket}`);
    rmSync(files.socket, { force: true });
  }
  const swept = opts.ledger?.sweep() ?? [];
  if (swept.length > 0) log.warn("killed sandboxes left by a previous runner", { pids: swept.join(" ") });
  const stale = (await opts.cgroups?.sweep()) ?? [];
  if (stale.length > 0)
    log.warn("removed sandbox cgroups left by a previous runner", { count: stale.length });
  // A restore a killed runner left half-done is finished (or rolled back) before anything else runs.
  await recoverRestores().catch((e) => log.warn("restore recovery failed", { error: String(e) }));
  // Beside the runner's socket: a directory only the user (and the server's group) can enter.
  const tools = new ToolService(join(files.dir, "tools"), log.child({ area: "tools" }));
  const table = new ProcessTable({
    tools,
    user: opts.user,
    workspaceRoot: opts.workspaceRoot,
    maxProcesses: opts.maxProcesses,
    maxBufferBytes: opts.maxBufferBytes,
    launcher: opts.launcher,
    log,
  });
  const browsers = new BrowserService({
    locate: (session) => table.sandboxOf(session),
    maxBrowsers: opts.maxBrowsers ?? DEFAULT_MAX_BROWSERS,
    idleMs: BROWSER_IDLE_MS,
    heapMb: BROWSER_HEAP_MB,
    publish: (event) => {
      for (const sink of tools.forwarder.attached) sink.pushBrowser?.(event);
    },
    log: log.child({ area: "browser" }),
  });
  tools.registerLocalArea("browser", browsers);
  const state: RunnerState = {
    user: opts.user,
    secret: secret.value,
    workspaceRoot: opts.workspaceRoot,
    idle: new IdleCollector(),
    startedAt: Date.now(),
    acks: 0,
    eventLinesSent: 0,
    eventWrites: 0,
    maxProcesses: opts.maxProcesses,
    table,
    tools,
    browsers,
  };
  let connections = 0;
  const live = new Set<Bun.Socket<RunnerConnection>>();
  // Created 0660 from the start: the umask keeps others out until the chmod below.
  const oldMask = process.umask(0o117);
  let server: Bun.UnixSocketListener<RunnerConnection>;
  try {
    server = Bun.listen<RunnerConnection>({
      unix: files.socket,
      socket: {
        open(socket) {
          live.add(socket);
          socket.data = new RunnerConnection(new Wire(socket), state, log.child({ conn: ++connections }));
        },
        data: (socket, chunk) => socket.data.onData(chunk),
        drain: (socket) => socket.data.onDrain(),
        close(socket) {
          live.delete(socket);
          socket.data?.onClose();
        },
        error: () => {},
      },
    });
  } catch (e) {
    return fail("internal", `cannot listen on ${files.socket}: ${(e as Error).message}`);
  } finally {
    process.umask(oldMask);
  }
  chmodSync(files.socket, 0o660);
  writeFileSync(files.pidFile, `${process.pid}\n`, { mode: 0o644 });
  log.info("runner listening", {
    user: opts.user,
    socket: files.socket,
    pid: process.pid,
    max_processes: opts.maxProcesses,
  });
  let stopped = false;
  return ok({
    state,
    async stop() {
      if (stopped) return;
      stopped = true;
      browsers.stop();
      table.killAll();
      await opts.cgroups?.releaseAll();
      tools.stop();
      for (const socket of live) socket.terminate();
      server.stop(true);
      rmSync(files.socket, { force: true });
      rmSync(files.pidFile, { force: true });
      log.info("runner stopped");
    },
  });
}

import * as v from "valibot";
import { fail, ok, type Result } from "../protocol/errors.ts";
import { type ProcessMemory, userName } from "../protocol/runner.ts";
import type { Logger } from "../shared/log.ts";
import { multiUserRunnerFiles, singleUserRunnerFiles, systemSocketPath } from "../shared/runner-layout.ts";
import { ensureAgentAccount, runningAsRoot } from "./agent-account.ts";
import { type BrowserEventHandler, type CallHandler, RunnerClient } from "./client.ts";
import { answers, ensureLocalRunner, pidFileProcessAlive } from "./local.ts";
import { SystemClient } from "./system-client.ts";

/** One row of `octoctl status` / `GET /api/admin/status`. */
export interface RunnerStatusRow {
  user: string;
  connected: boolean;
  pid: number | null;
  uptime_ms: number | null;
  processes: number | null;
  max_processes: number | null;
  /** The runner process alone. */
  rss_bytes: number | null;
  version: string | null;
  agents: number | null;
  terminals: number | null;
  /** The runner and everything it started (PSS / private, summed over the process tree). */
  tree_pss_bytes?: number | null;
  tree_private_bytes?: number | null;
  /** Each running agent's process tree, by session. */
  agent_memory?: AgentMemoryRow[];
  error?: string;
}

export interface AgentMemoryRow {
  session_id: string;
  proc: string;
  pss_bytes: number;
  private_bytes: number;
}

/** "The runner for user X", in either mode. Runners start lazily on first use. */
export interface RunnerManager {
  readonly mode: "single-user" | "multi-user";
  forUser(name: string): Promise<Result<RunnerClient>>;
  status(): Promise<RunnerStatusRow[]>;
  /** Disconnect (runners keep running: they outlive the server). */
  close(): void;
  /** Multi-user: stop the user's runner and delete their Linux account and files. */
  removeUser?(name: string): Promise<Result<void>>;
  /** Who answers the calls runners forward (the tool dispatcher); set once at start-up. */
  setCallHandler(handler: CallHandler): void;
  /** Who takes the agent browsers' live-view pushes; set once at start-up. */
  setBrowserListener(listener: BrowserEventHandler): void;
}

export interface RunnerManagerOptions {
  mode: "single-user" | "multi-user";
  /** Single-user: the runner's directory. Multi-user: the runtime dir holding system.sock and runners/. */
  socketDir: string;
  workspaceDir: string;
  maxProcesses: number;
  maxBrowsers?: number;
  logFormat: "text" | "json";
  log: Logger;
}

/** What a person is told when their runner cannot start; the reason goes to the server log. */
export const RUNNER_START_FAILED =
  "the agent service could not start; an admin can see why in the server log";

/** The label of the one runner in single-user mode. */
export const LOCAL_RUNNER_USER = "local";

async function rowFor(user: string, client: RunnerClient): Promise<RunnerStatusRow> {
  const s = await client.status();
  if (!s.ok)
    return {
      user,
      connected: false,
      pid: null,
      uptime_ms: null,
      processes: null,
      max_processes: null,
      rss_bytes: null,
      version: null,
      agents: null,
      terminals: null,
      error: s.error.message,
    };
  const { pid, uptime_ms, processes, max_processes, rss_bytes, version } = s.value;
  const agents = s.value.agents ?? null;
  const terminals = s.value.terminals ?? null;
  return {
    user,
    connected: true,
    pid,
    uptime_ms,
    processes,
    max_processes,
    rss_bytes,
    version,
    agents,
    terminals,

    tree_pss_bytes: s.value.tree_pss_bytes ?? null,
    tree_private_bytes: s.value.tree_private_bytes ?? null,
    agent_memory: agentMemory(s.value.process_memory ?? []),
  };
}

/** The agents among a runner's processes (their tag is the session id), largest first. */
export function agentMemory(processes: readonly ProcessMemory[]): AgentMemoryRow[] {
  return processes
    .filter((p) => p.kind === "agent" && p.tag !== null)
    .map((p) => ({
      session_id: p.tag as string,
      proc: p.proc,
      pss_bytes: p.pss_bytes,
      private_bytes: p.private_bytes,
    }))
    .sort((a, b) => b.pss_bytes - a.pss_bytes);
}

export function createRunnerManager(opts: RunnerManagerOptions): RunnerManager {
  const clients = new Map<string, RunnerClient>();
  const starting = new Map<string, Promise<Result<RunnerClient>>>();
  const system = new SystemClient(systemSocketPath(opts.socketDir));
  let callHandler: CallHandler | null = null;
  const onCall: CallHandler = (runnerUser, call) =>
    callHandler
      ? callHandler(runnerUser, call)
      : Promise.resolve(fail("server_unavailable", "the server is still starting"));

  let browserListener: BrowserEventHandler | null = null;
  const onBrowserEvent: BrowserEventHandler = (runnerUser, event) => browserListener?.(runnerUser, event);

  const startFor = async (name: string): Promise<Result<RunnerClient>> => {
    if (opts.mode === "single-user") {
      const account = runningAsRoot() ? ensureAgentAccount() : undefined;
      if (account && !account.ok) return account;
      return ensureLocalRunner({
        account: account?.value,
        user: LOCAL_RUNNER_USER,
        socketDir: opts.socketDir,
        workspaceDir: opts.workspaceDir,
        maxProcesses: opts.maxProcesses,
        maxBrowsers: opts.maxBrowsers,
        logFormat: opts.logFormat,
        log: opts.log.child({ runner: LOCAL_RUNNER_USER }),
        onCall,
        onBrowserEvent,
      });
    }
    const ensured = await system.ensureUser(name);
    if (!ensured.ok) return ensured;
    const started = await system.startRunner(name);
    if (!started.ok) return started;
    const files = multiUserRunnerFiles(opts.socketDir, name);
    const client = new RunnerClient({
      user: name,
      socketPath: files.socket,
      secretFile: files.serverSecret,
      log: opts.log,
      onCall,
      onBrowserEvent,
    });
    const connected = await client.connect();
    return connected.ok ? ok(client) : connected;
  };

  // Why a runner did not start (paths on this host, account problems) is for the admin's log; the
  // person who asked is told only that, with a stable code.
  const startLogged = async (name: string, key: string): Promise<Result<RunnerClient>> => {
    let r: Result<RunnerClient>;
    try {
      r = await startFor(name);
    } catch (e) {
      r = fail("internal", String(e));
    }
    if (r.ok) return r;
    opts.log.error("the runner could not start", {
      runner: key,
      code: r.error.code,
      reason: r.error.message,
    });
    return fail("runner_unavailable", RUNNER_START_FAILED);
  };

  return {
    mode: opts.mode,
    setCallHandler(handler) {
      callHandler = handler;
    },
    setBrowserListener(listener) {
      browserListener = listener;
    },
    async forUser(name) {
      const key = opts.mode === "single-user" ? LOCAL_RUNNER_USER : name;
      if (opts.mode === "multi-user" && !v.is(userName, name))
        return fail("validation_failed", `invalid user name ${JSON.stringify(name)}`);
      const existing = clients.get(key);
      if (existing?.connectionState === "connected") return ok(existing);
      // Single-user: nothing else restarts a runner that died; if its socket is silent, start a new one.
      // (Multi-user runners are supervised by the system component; the client reconnects by itself.)
      if (existing && existing.connectionState !== "closed") {
        if (await existing.reconnectNow()) return ok(existing);
        const dead = opts.mode === "single-user" && !(await localRunnerLives(opts.socketDir));
        if (!dead) return ok(existing);
        opts.log.warn("the runner is gone; starting a new one", { runner: key });
        existing.close();
        clients.delete(key);
      }
      let pending = starting.get(key);
      if (!pending) {
        pending = startLogged(name, key).finally(() => starting.delete(key));
        starting.set(key, pending);
      }
      const r = await pending;
      if (r.ok) clients.set(key, r.value);
      return r;
    },
    async status() {
      return Promise.all([...clients].map(([user, client]) => rowFor(user, client)));
    },
    close() {
      for (const c of clients.values()) c.close();
      clients.clear();
    },
    async removeUser(name) {
      if (opts.mode !== "multi-user") return ok(undefined);
      clients.get(name)?.close();
      clients.delete(name);
      const r = await system.deleteUser(name, true);
      return r.ok ? ok(undefined) : r;
    },
  };
}

/** The manager for a loaded config: what `startServer` puts on the server context. */
export function runnerManagerFromConfig(
  config: {
    paths: { socketDir: string; workspaceDir: string };
    runner: { max_processes: number; max_browsers?: number };
    log: { format: "text" | "json" };
  },
  mode: "single-user" | "multi-user",
  log: Logger,
): RunnerManager {
  return createRunnerManager({
    mode,
    socketDir: config.paths.socketDir,
    workspaceDir: config.paths.workspaceDir,
    maxProcesses: config.runner.max_processes,
    maxBrowsers: config.runner.max_browsers,
    logFormat: config.log.format,
    log: log.child({ component: "runners" }),
  });
}

/**
 * `octo serve` in single-user mode: start (or find) the runner now, in the background, so the
 * first session does not wait for it. Multi-user runners start on each user's first use.
 */
export function warmUpRunners(manager: RunnerManager, log: Logger): void {
  if (manager.mode !== "single-user") return;
  manager.forUser(LOCAL_RUNNER_USER).then((r) => {
    if (!r.ok) log.warn("runner not started", { ...r.error });
  });
}

/**
 * Whether the single-user runner is still there: its process is not gone (a runner that was just
 * killed can still accept on its socket for a moment) and its socket accepts.
 */
async function localRunnerLives(socketDir: string): Promise<boolean> {
  const files = singleUserRunnerFiles(socketDir);
  return pidFileProcessAlive(files.pidFile) && (await answers(files.socket));
}

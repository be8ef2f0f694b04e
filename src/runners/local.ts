import {
  chmodSync,
  chownSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { connect } from "node:net";
import { fail, ok, type Result } from "../protocol/errors.ts";
import type { Logger } from "../shared/log.ts";
import { commandFor } from "../shared/paths.ts";
import { delegatePidsCgroup, placeInCgroup } from "../shared/pids-cgroup.ts";
import { isAlive } from "../shared/proctree.ts";
import { newHandshakeSecret, RUNNER_RUNTIME_ENV, singleUserRunnerFiles } from "../shared/runner-layout.ts";
import { type AgentAccount, agentEnv, ensureAgentDir } from "./agent-account.ts";
import { type BrowserEventHandler, type CallHandler, RunnerClient } from "./client.ts";
import { foreignWorkspace, retireRunner } from "./foreign-runner.ts";

export interface LocalRunnerOptions {
  /** The runner's user label (single-user mode has one user). */
  user: string;
  socketDir: string;
  workspaceDir: string;
  maxProcesses: number;
  maxBrowsers?: number;
  logFormat: "text" | "json";
  log: Logger;
  readyTimeoutMs?: number;
  /** Answers the calls the runner forwards (tool calls). */
  onCall?: CallHandler;
  /** Run the runner as this account instead of ourselves (we are root: decision 0016). */
  account?: AgentAccount;
  onBrowserEvent?: BrowserEventHandler;
}

export function answers(socket: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(socket);
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

/**
 * The runner gets the user's ordinary environment, not the server's: provider keys and `OCTO_*`
 * settings stay in the server (profiles may pass variables through into sandboxes). The sandbox's
 * own development knobs (`OCTO_PROFILES_DIR`, `OCTO_EGRESS_HOSTS`) go through, so a server started
 * with them runs its sessions' sandboxes with them.
 */
export function runnerEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const keep =
    /^(PATH|HOME|USER|LOGNAME|SHELL|LANG|LC_[A-Z]+|TZ|TERM|XDG_[A-Z_]+_(DIR|HOME)|OCTO_BIN_DIR|OCTO_TOOL_PATH|OCTO_TRACE_FILE|OCTO_AGENT_START_WAIT_MS|OCTO_PROFILES_DIR|OCTO_EGRESS_HOSTS)$/;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && keep.test(k)) out[k] = v;
  return { ...out, ...RUNNER_RUNTIME_ENV };
}

/**
 * Single-user mode: reuse the live runner found through its socket and secret, or start one as
 * the invoking user, detached so it outlives this server (and its restarts).
 */
export async function ensureLocalRunner(opts: LocalRunnerOptions): Promise<Result<RunnerClient>> {
  const files = singleUserRunnerFiles(opts.socketDir);
  const account = opts.account;
  if (account) {
    for (const dir of [opts.socketDir, opts.workspaceDir]) {
      const made = ensureAgentDir(dir, account);
      if (!made.ok) return made;
    }
  } else {
    mkdirSync(opts.socketDir, { recursive: true, mode: 0o700 });
    chmodSync(opts.socketDir, 0o700);
    mkdirSync(opts.workspaceDir, { recursive: true, mode: 0o700 });
  }
  if (!existsSync(files.runnerSecret))
    writeFileSync(files.runnerSecret, `${newHandshakeSecret()}\n`, { mode: 0o600 });
  if (account) chownSync(files.runnerSecret, account.uid, account.gid);
  const newClient = () =>
    new RunnerClient({
      user: opts.user,
      socketPath: files.socket,
      secretFile: files.serverSecret,
      log: opts.log,
      onCall: opts.onCall,
      onBrowserEvent: opts.onBrowserEvent,
    });
  let client = newClient();
  if (await answers(files.socket)) {
    const reused = await client.connect();
    const foreign = reused.ok ? foreignWorkspace(client, opts.workspaceDir) : undefined;
    const wrongAccount = reused.ok && account !== undefined && uidOf(client.runnerPid) !== account.uid;
    if (reused.ok && !foreign && !wrongAccount) {
      opts.log.info("reusing runner", { pid: client.runnerPid, socket: files.socket });
      return ok(client);
    }
    if (reused.ok) {
      const pid = client.runnerPid as number;
      // Another octo instance's runner (another workspace), or one from before decision 0016 that
      // runs agents as root: replace it (its agents revive under the new one).
      opts.log.warn(
        foreign
          ? "replacing a runner left over from another octo instance (it serves another workspace)"
          : "replacing a runner that does not run as the agent account",
        { pid, runner_workspace: foreign, workspace: opts.workspaceDir },
      );
      client.close();
      const retired = await retireRunner(pid, opts.log);
      if (!retired.ok) return retired;
      client = newClient();
    } else if (pidFileProcessAlive(files.pidFile)) {
      return fail(
        "runner_unavailable",
        `a runner answers on ${files.socket} but refused us: ${reused.error.message}`,
      );
    } else {
      // A runner that was just killed can still accept on its socket for a moment (seen after
      // SIGKILL): if its process is gone, start a new one instead of giving up.
      opts.log.warn("the socket of a dead runner still answered; starting a new runner", {
        socket: files.socket,
      });
    }
  }
  const logFd = openSync(files.logFile, "a", 0o600);
  const argv = [
    ...commandFor("octo-runner"),
    "--user",
    opts.user,
    "--socket-dir",
    opts.socketDir,
    "--workspace",
    opts.workspaceDir,
    "--max-processes",
    String(opts.maxProcesses),
    ...(opts.maxBrowsers === undefined ? [] : ["--max-browsers", String(opts.maxBrowsers)]),
    "--log-format",
    opts.logFormat,
  ];
  const proc = Bun.spawn(argv, {
    ...(account
      ? { uid: account.uid, gid: account.gid, env: agentEnv(account, process.env) }
      : { env: runnerEnv(process.env) }),
    stdio: ["ignore", logFd, logFd],
    detached: true,
  });
  closeSync(logFd);
  proc.unref();
  if (account) placeRunner(account, proc.pid, opts.log);
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 15_000);
  let wait = 5;
  while (Date.now() < deadline && proc.exitCode === null) {
    if (await answers(files.socket)) {
      const connected = await client.connect();
      if (connected.ok) {
        opts.log.info("runner started", { pid: proc.pid, socket: files.socket });
        return ok(client);
      }
      // The old socket of a dead runner, until the new runner replaces it: keep waiting.
      if (readPid(files.pidFile) === proc.pid) return connected;
    }
    await Bun.sleep(wait);
    wait = Math.min(wait * 2, 100);
  }
  return fail("runner_unavailable", `runner did not start (see ${files.logFile})`);
}

/**
 * Root starting the agent account's runner: give it a pids cgroup subtree of its own (decision
 * 0032) so each sandbox gets its own process limit. Not under systemd, which owns the cgroup tree
 * there (a runner in a unit with `Delegate=pids` finds its subtree itself).
 */
function placeRunner(account: AgentAccount, pid: number, log: Logger): void {
  if (existsSync("/run/systemd/system")) return;
  const delegated = delegatePidsCgroup({ linuxUser: account.name, uid: account.uid, gid: account.gid });
  const failed = "leaf" in delegated ? placeInCgroup(delegated.leaf, pid) : delegated.unavailable;
  if (failed) log.warn("runner without a delegated pids cgroup", { why: failed });
}

/** The real uid a process runs as (undefined when it is gone). */
function uidOf(pid: number | null): number | undefined {
  if (!pid) return undefined;
  try {
    return Number(readFileSync(`/proc/${pid}/status`, "utf8").match(/^Uid:\s+(\d+)/m)?.[1]);
  } catch {
    return undefined;
  }
}

function readPid(pidFile: string): number | undefined {
  try {
    const pid = Number(readFileSync(pidFile, "utf8"));
    return pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** True when the pid file names a live (not zombie) process; no pid file counts as alive. */
export function pidFileProcessAlive(pidFile: string): boolean {
  const pid = readPid(pidFile);
  return pid === undefined || isAlive(pid);
}

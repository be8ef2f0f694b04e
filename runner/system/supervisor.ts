import {
  chmodSync,
  chownSync,
  closeSync,
  existsSync,
  fchownSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { fail, ok, type Result } from "../../src/protocol/errors.ts";
import type { SystemResult } from "../../src/protocol/runner.ts";
import { llmSocketsDir, multiUserLlmSocket } from "../../src/shared/llm-socket-layout.ts";
import type { Logger } from "../../src/shared/log.ts";
import { commandFor } from "../../src/shared/paths.ts";
import {
  delegatedBase,
  delegatePidsCgroup,
  PIDS_CGROUP_ENV,
  pidsCgroupDisabled,
  pidsHierarchy,
  placeInCgroup,
  removeCgroup,
} from "../../src/shared/pids-cgroup.ts";
import { isAlive } from "../../src/shared/proctree.ts";
import {
  multiUserRunnerFiles,
  newHandshakeSecret,
  RUNNER_RUNTIME_ENV,
  runnersDir,
  serverSecretsDir,
} from "../../src/shared/runner-layout.ts";
import { socketAnswers } from "../wire.ts";
import type { Account } from "./accounts.ts";

type SystemRunner = SystemResult<"start_runner">;

export interface SupervisorOptions {
  runtimeDir: string;
  serverGid: number;
  /** Owner of each user's LLM socket directory: the server creates the socket there. */
  serverUid: number;
  maxProcesses: number;
  logFormat: "text" | "json";
  log: Logger;
  /** systemd is PID 1: runners are `octo-runner@<name>.service` units, not our children. */
  systemd: boolean;
}

interface Child {
  account: Account;
  proc: Bun.Subprocess;
  stopping: boolean;
  crashes: number;
}

const READY_TIMEOUT_MS = 15_000;

/** systemd's own test (sd_booted): this directory exists only when systemd is the init system. */
export const systemdIsPid1 = (): boolean => existsSync("/run/systemd/system");

function uidOf(pid: number): number | undefined {
  try {
    const m = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

function lstatOrNull(path: string): ReturnType<typeof lstatSync> | null {
  try {
    return lstatSync(path);
  } catch {
    return null;
  }
}

/**
 * Starts, stops and (without systemd) supervises each user's runner as that user's uid/gid,
 * with an explicit environment. Prepares the runner's directory and handshake secret first.
 */
export class RunnerSupervisor {
  private readonly children = new Map<string, Child>();

  constructor(private readonly opts: SupervisorOptions) {}

  prepareRuntimeDir(): void {
    const { runtimeDir, serverGid } = this.opts;
    mkdirSync(runtimeDir, { recursive: true, mode: 0o755 });
    chmodSync(runtimeDir, 0o755);
    mkdirSync(runnersDir(runtimeDir), { recursive: true, mode: 0o711 });
    chownSync(runnersDir(runtimeDir), 0, 0);
    chmodSync(runnersDir(runtimeDir), 0o711);
    mkdirSync(serverSecretsDir(runtimeDir), { recursive: true, mode: 0o750 });
    chownSync(serverSecretsDir(runtimeDir), 0, serverGid);
    chmodSync(serverSecretsDir(runtimeDir), 0o750);
    mkdirSync(llmSocketsDir(runtimeDir), { recursive: true, mode: 0o711 });
    chownSync(llmSocketsDir(runtimeDir), 0, 0);
    chmodSync(llmSocketsDir(runtimeDir), 0o711);
  }

  /**
   * The user's LLM socket directory: server-owned, group the user's own, setgid — so the socket the
   * server creates in it belongs to that group and its 0660 lets exactly the user's sandboxes in.
   * Kept across runner restarts (the server's socket lives there); never the user's to modify.
   */
  private prepareLlmDir(account: Account): void {
    const dir = multiUserLlmSocket(this.opts.runtimeDir, account.name).dir;
    // lstat: a symlink (or anything else) in its place is replaced, never followed.
    if (!lstatOrNull(dir)?.isDirectory()) {
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { mode: 0o750 });
    }
    chownSync(dir, this.opts.serverUid, account.gid);
    chmodSync(dir, 0o2750);
  }

  /** A runner pid we may trust: our child, or the pid file's pid if that process is the user's. */
  private livePid(account: Account): number | null {
    const child = this.children.get(account.name);
    if (child && isAlive(child.proc.pid)) return child.proc.pid;
    const files = multiUserRunnerFiles(this.opts.runtimeDir, account.name);
    try {
      const pid = Number(readFileSync(files.pidFile, "utf8").trim());
      if (Number.isInteger(pid) && pid > 1 && isAlive(pid) && uidOf(pid) === account.uid) return pid;
    } catch {
      // no pid file
    }
    return null;
  }

  describe(account: Account): SystemRunner {
    const files = multiUserRunnerFiles(this.opts.runtimeDir, account.name);
    const pid = this.livePid(account);
    return {
      name: account.name,
      pid,
      running: pid !== null,
      socket: files.socket,
      secret_file: files.serverSecret,
      supervisor: this.opts.systemd ? "systemd" : "system-component",
    };
  }

  async start(account: Account): Promise<Result<SystemRunner>> {
    const files = multiUserRunnerFiles(this.opts.runtimeDir, account.name);
    if (this.livePid(account) !== null && (await socketAnswers(files.socket)))
      return ok(this.describe(account));
    this.prepareRunnerDir(account);
    if (this.opts.systemd) {
      const r = Bun.spawnSync(["systemctl", "start", `octo-runner@${account.name}.service`], {
        stderr: "pipe",
      });
      if (r.exitCode !== 0) return fail("internal", `systemctl start failed: ${r.stderr.toString().trim()}`);
    } else {
      this.spawnChild(account);
    }
    return this.waitReady(account);
  }

  async stop(account: Account): Promise<Result<{ stopped: boolean }>> {
    if (this.opts.systemd) {
      const r = Bun.spawnSync(["systemctl", "stop", `octo-runner@${account.name}.service`], {
        stderr: "pipe",
      });
      if (r.exitCode !== 0) return fail("internal", `systemctl stop failed: ${r.stderr.toString().trim()}`);
      return ok({ stopped: true });
    }
    const child = this.children.get(account.name);
    if (child) child.stopping = true;
    const pid = this.livePid(account);
    if (pid === null) return ok({ stopped: false });
    process.kill(pid, "SIGTERM");
    const deadline = Date.now() + 5000;
    while (isAlive(pid) && Date.now() < deadline) await Bun.sleep(20);
    if (isAlive(pid)) process.kill(pid, "SIGKILL");
    if (child) await child.proc.exited;
    this.children.delete(account.name);
    return ok({ stopped: true });
  }

  forget(name: string): void {
    rmSync(multiUserRunnerFiles(this.opts.runtimeDir, name).dir, { recursive: true, force: true });
    rmSync(multiUserRunnerFiles(this.opts.runtimeDir, name).serverSecret, { force: true });
    rmSync(multiUserLlmSocket(this.opts.runtimeDir, name).dir, { recursive: true, force: true });
  }

  /**
   * A fresh directory each start: whatever the user left there (symlinks included) is removed
   * before root writes into it. The runner's copy of the secret is the user's; the server's copy
   * sits in a root-owned directory so the user can never point the server at another file.
   */
  private prepareRunnerDir(account: Account): void {
    const { serverGid } = this.opts;
    const files = multiUserRunnerFiles(this.opts.runtimeDir, account.name);
    rmSync(files.dir, { recursive: true, force: true });
    mkdirSync(files.dir, { mode: 0o700 });
    const secret = newHandshakeSecret();
    writeFileSync(files.runnerSecret, `${secret}\n`, { mode: 0o400, flag: "wx" });
    chownSync(files.runnerSecret, account.uid, account.gid);
    rmSync(files.serverSecret, { force: true });
    writeFileSync(files.serverSecret, `${secret}\n`, { mode: 0o440, flag: "wx" });
    chownSync(files.serverSecret, 0, serverGid);
    chmodSync(files.serverSecret, 0o440);
    chownSync(files.dir, account.uid, serverGid);
    chmodSync(files.dir, 0o750);
    this.prepareLlmDir(account);
  }

  /** The argv a runner is started with; `octo-runner@.service` runs the same. */
  runnerArgv(name: string): string[] {
    return [
      ...commandFor("octo-runner"),
      "--user",
      name,
      "--runtime-dir",
      this.opts.runtimeDir,
      "--max-processes",
      String(this.opts.maxProcesses),
      "--log-format",
      this.opts.logFormat,
    ];
  }

  private spawnChild(account: Account, crashes = 0): void {
    const files = multiUserRunnerFiles(this.opts.runtimeDir, account.name);
    const logFd = openSync(files.logFile, "a", 0o600);
    fchownSync(logFd, account.uid, account.gid);
    const proc = Bun.spawn(this.runnerArgv(account.name), {
      uid: account.uid,
      gid: account.gid,
      cwd: account.home,
      env: {
        HOME: account.home,
        USER: account.linuxUser,
        LOGNAME: account.linuxUser,
        PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        LANG: "C.UTF-8",
        ...RUNNER_RUNTIME_ENV,
        // The switch that simulates a host without cgroups reaches the runner too (decision 0032).
        ...(pidsCgroupDisabled() ? { [PIDS_CGROUP_ENV]: "off" } : {}),
      },
      stdio: ["ignore", logFd, logFd],
      detached: true,
    });
    closeSync(logFd);
    this.placeRunner(account, proc.pid);
    const child: Child = { account, proc, stopping: false, crashes };
    this.children.set(account.name, child);
    this.opts.log.info("runner started", { user: account.name, pid: proc.pid });
    proc.exited.then((code) => {
      if (this.children.get(account.name) !== child || child.stopping) return;
      this.children.delete(account.name);
      const delay = Math.min(1000 * 2 ** child.crashes, 30_000);
      this.opts.log.warn("runner exited, restarting", { user: account.name, code, delay_ms: delay });
      setTimeout(() => {
        if (this.children.has(account.name)) return;
        this.prepareRunnerDir(account);
        this.spawnChild(account, child.crashes + 1);
      }, delay);
    });
  }

  /**
   * Decision 0032: the runner goes into `<pids hierarchy>/octo/<account>/runner`, a subtree its
   * account owns, before it starts anything, so it can give each sandbox a pids cgroup of its own.
   * Under systemd the unit's `Delegate=pids` does this instead. Without it the runner logs and
   * falls back to RLIMIT_NPROC.
   */
  private placeRunner(account: Account, pid: number): void {
    const delegated = delegatePidsCgroup(account);
    const failed = "leaf" in delegated ? placeInCgroup(delegated.leaf, pid) : delegated.unavailable;
    if (failed)
      this.opts.log.warn("runner without a delegated pids cgroup", { user: account.name, why: failed });
  }

  /** The delegated subtree of a deleted account (its runner is stopped). */
  async releaseCgroup(account: Account): Promise<void> {
    const hierarchy = pidsHierarchy();
    if (this.opts.systemd || !hierarchy) return;
    const failed = await removeCgroup(delegatedBase(hierarchy, account.linuxUser));
    if (failed) this.opts.log.warn("delegated cgroup not removed", { user: account.name, error: failed });
  }

  private async waitReady(account: Account): Promise<Result<SystemRunner>> {
    const files = multiUserRunnerFiles(this.opts.runtimeDir, account.name);
    const deadline = Date.now() + READY_TIMEOUT_MS;
    let wait = 5;
    while (Date.now() < deadline) {
      if (await socketAnswers(files.socket)) return ok(this.describe(account));
      const child = this.children.get(account.name);
      if (!this.opts.systemd && (!child || child.proc.exitCode !== null)) break;
      await Bun.sleep(wait);
      wait = Math.min(wait * 2, 100);
    }
    let tail = "";
    try {
      tail = readFileSync(files.logFile, "utf8").split("\n").slice(-5).join("\n");
    } catch {
      // no log
    }
    return fail("runner_unavailable", `runner for ${account.name} did not start${tail ? `: ${tail}` : ""}`);
  }
}

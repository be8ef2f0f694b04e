import { realpathSync } from "node:fs";
import { type ErrorBody, fail, ok, type Result } from "../src/protocol/errors.ts";
import { commandFor } from "../src/shared/paths.ts";
import { commandPid } from "../src/shared/proctree.ts";
import type { OutputStream } from "./kinds/kind.ts";
import { parseRunArgs } from "./sandbox/cli-args.ts";
import { prepareDirectRun } from "./sandbox/direct.ts";
import { SANDBOX_ERROR_EXIT } from "./sandbox/layout.ts";
import type { SandboxLedger } from "./sandbox/ledger.ts";
import type { SandboxCgroups } from "./sandbox-cgroups.ts";

/** What to run, already validated (project confined to the workspace). */
export interface LaunchSpec {
  argv: string[];
  env: Record<string, string>;
  profile: string;
  project: string;
  workspaceRoot: string;
  pty?: { cols: number; rows: number };
  llmSocket?: string;
  gatewayDir?: string;
  toolSocket?: string;
  userLabel: string;
  /** Extra binds (the agent kind's runtime, pi's package, its state). */
  readOnly?: { src: string; dst: string }[];
  readWrite?: { src: string; dst: string }[];
}

export interface ExitStatus {
  code: number | null;
  signal: string | null;
}

export interface LaunchedProcess {
  readonly pid: number;
  /** Resolves after the process has exited and its output has been fully delivered. */
  readonly finished: Promise<ExitStatus>;
  write(bytes: Uint8Array): number;
  closeStdin(): void;
  resize(cols: number, rows: number): void;
  /** The pid running the user's command (below the sandbox wrappers), for signals. */
  commandPid(): number;
}

export type OutputSink = (stream: OutputStream, bytes: Uint8Array) => void;

/** Side effect behind an interface: the real default runs everything in an octo sandbox (bwrap). */
export interface Launcher {
  launch(spec: LaunchSpec, sink: OutputSink): Result<LaunchedProcess>;
}

/** The runner's own environment keys that the sandbox wrapper itself relies on. */
const WRAPPER_ENV = new Set([
  "PATH",
  "HOME",
  "USER",
  "LOGNAME",
  "LANG",
  "XDG_RUNTIME_DIR",
  "XDG_STATE_HOME",
  "BUN_BE_BUN",
]);
/** After the process exits, how long a PTY may keep delivering what it still holds. */
const PTY_DRAIN_GRACE_MS = 250;

function wrapperExes(): Set<string> {
  const exes = new Set<string>();
  for (const candidate of ["/usr/bin/bwrap", commandFor("octo-sandbox")[0] as string]) {
    try {
      exes.add(realpathSync(candidate));
    } catch {
      // not installed at that path
    }
  }
  return exes;
}

export class SandboxLauncher implements Launcher {
  private readonly wrappers = wrapperExes();

  constructor(
    private readonly baseEnv: Record<string, string | undefined> = process.env,
    /** Where started wrappers are written down, so a successor can sweep them if we die. */
    private readonly ledger?: SandboxLedger,
    /** One pids cgroup per sandbox when delegated to us (else `limits.processes` is RLIMIT_NPROC). */
    private readonly cgroups?: SandboxCgroups | null,
  ) {}

  private track(proc: Bun.Subprocess): void {
    const { ledger } = this;
    if (!ledger) return;
    ledger.record(proc.pid);
    void proc.exited.then(() => ledger.forget(proc.pid));
  }

  /**
   * `octo-sandbox run … -- CMD`. Values go to the wrapper through its environment (`--env K`),
   * not its argv, so they never show in `ps`; names the wrapper itself needs go as `--env K=V`.
   */
  argvFor(spec: LaunchSpec, cgroup?: string): { argv: string[]; env: Record<string, string> } {
    const { args, env } = this.runArgs(spec, cgroup);
    return { argv: [...commandFor("octo-sandbox"), "run", ...args], env };
  }

  /** The arguments of `octo-sandbox run` (after `run`, through `-- CMD…`) and its environment. */
  private runArgs(spec: LaunchSpec, cgroup?: string): { args: string[]; env: Record<string, string> } {
    const env: Record<string, string> = {};
    // The runner's own runtime tuning (BUN_JSC_*) is not the sandbox wrapper's business.
    for (const [k, val] of Object.entries(this.baseEnv))
      if (val !== undefined && !k.startsWith("BUN_JSC_")) env[k] = val;
    const flags = [
      "--profile",
      spec.profile,
      "--project",
      spec.project,
      "--workspace-root",
      spec.workspaceRoot,
    ];
    if (spec.pty) flags.push("--pty");
    if (cgroup) flags.push("--cgroup", cgroup);
    if (spec.llmSocket) flags.push("--llm-socket", spec.llmSocket);
    if (spec.gatewayDir) flags.push("--gateway-dir", spec.gatewayDir);
    if (spec.toolSocket) flags.push("--tool-socket", spec.toolSocket);
    flags.push("--user-label", spec.userLabel);
    for (const b of spec.readOnly ?? []) flags.push("--ro", `${b.src}=${b.dst}`);
    for (const b of spec.readWrite ?? []) flags.push("--rw", `${b.src}=${b.dst}`);
    for (const [key, value] of Object.entries(spec.env)) {
      if (WRAPPER_ENV.has(key)) flags.push("--env", `${key}=${value}`);
      else {
        env[key] = value;
        flags.push("--env", key);
      }
    }
    return { args: [...flags, "--", ...spec.argv], env };
  }

  /**
   * The runner builds and spawns the sandbox itself (decision 0034): the same checks and argv as
   * `octo-sandbox run`, with no wrapper process. Flags go through the wrapper's own parser, so every
   * value is validated exactly as it would be on the wrapper's command line.
   */
  launch(spec: LaunchSpec, sink: OutputSink): Result<LaunchedProcess> {
    const cgroups = this.cgroups;
    const cgroup = cgroups?.create() ?? undefined;
    const release = () => {
      if (cgroups && cgroup) void cgroups.release(cgroup);
    };
    const { args, env } = this.runArgs(spec, cgroup);
    const req = parseRunArgs(args, env);
    const run = req.ok ? prepareDirectRun(req.value, env) : req;
    if (!run.ok) {
      release();
      return this.launchRefusal(run.error, spec, sink);
    }
    const direct = run.value;
    try {
      const launched = spec.pty
        ? this.launchPty(direct.argv, direct.env, direct.seccompFd, spec.pty, sink)
        : this.launchPipes(direct.argv, direct.env, direct.seccompFd, sink);
      direct.spawned();
      void launched.finished.then(async () => {
        await direct.cleanup();
        release();
      });
      return ok(launched);
    } catch (e) {
      direct.spawned();
      void direct.cleanup();
      release();
      return fail("sandbox_failed", `cannot start the sandbox: ${(e as Error).message}`);
    }
  }

  /**
   * A sandbox that cannot be built is reported as the wrapper always reported it: a process that
   * writes `octo-sandbox: error[code]: message` to its stderr (or terminal) and exits 125. The
   * message is an argument of a fixed script, never part of it.
   */
  private launchRefusal(error: ErrorBody, spec: LaunchSpec, sink: OutputSink): Result<LaunchedProcess> {
    const message = `octo-sandbox: error[${error.code}]: ${error.message}`;
    const argv = [
      "/bin/sh",
      "-c",
      `printf '%s\\n' "$1" >&2; exit ${SANDBOX_ERROR_EXIT}`,
      "octo-sandbox",
      message,
    ];
    const env = { PATH: "/usr/bin:/bin" };
    try {
      return ok(
        spec.pty
          ? this.launchPty(argv, env, undefined, spec.pty, sink)
          : this.launchPipes(argv, env, undefined, sink),
      );
    } catch (e) {
      return fail("sandbox_failed", `cannot start the sandbox: ${(e as Error).message}`);
    }
  }

  private launchPipes(
    argv: string[],
    env: Record<string, string>,
    seccompFd: number | undefined,
    sink: OutputSink,
  ): LaunchedProcess {
    const extra = seccompFd === undefined ? [] : [seccompFd];
    const proc = Bun.spawn(argv, { env, stdio: ["pipe", "pipe", "pipe", ...extra] });
    this.track(proc);
    const pump = async (stream: ReadableStream<Uint8Array>, name: OutputStream) => {
      for await (const chunk of stream) sink(name, chunk);
    };
    const drained = Promise.all([pump(proc.stdout, "stdout"), pump(proc.stderr, "stderr")]).catch(() => {});
    const finished = Promise.all([proc.exited, drained]).then(() => statusOf(proc));
    let stdinOpen = true;
    return {
      pid: proc.pid,
      finished,
      write: (bytes) => {
        if (!stdinOpen) return 0;
        try {
          proc.stdin.write(bytes);
          proc.stdin.flush();
          return bytes.byteLength;
        } catch {
          return 0; // the process closed its stdin
        }
      },
      closeStdin: () => {
        if (!stdinOpen) return;
        stdinOpen = false;
        proc.stdin.end();
      },
      resize: () => {},
      commandPid: () => commandPid(proc.pid, this.wrappers, true),
    };
  }

  private launchPty(
    argv: string[],
    env: Record<string, string>,
    seccompFd: number | undefined,
    size: { cols: number; rows: number },
    sink: OutputSink,
  ): LaunchedProcess {
    let ptyClosed: () => void = () => {};
    const ptyDone = new Promise<void>((resolve) => {
      ptyClosed = resolve;
    });
    const proc = Bun.spawn(argv, {
      env: { TERM: "xterm-256color", ...env },
      // Descriptors 0–2 are the terminal; the extra one carries the seccomp program to bwrap.
      stdio: ["ignore", "ignore", "ignore", ...(seccompFd === undefined ? [] : [seccompFd])],
      terminal: {
        cols: size.cols,
        rows: size.rows,
        data: (_t, bytes) => sink("pty", bytes),
        exit: () => ptyClosed(),
      },
    });
    this.track(proc);
    const terminal = proc.terminal as Bun.Terminal;
    // A background job may hold the PTY open after the main process exits: wait briefly for EOF.
    const finished = proc.exited
      .then(() => Promise.race([ptyDone, Bun.sleep(PTY_DRAIN_GRACE_MS)]))
      .then(() => {
        if (!terminal.closed) terminal.close();
        return statusOf(proc);
      });
    return {
      pid: proc.pid,
      finished,
      write: (bytes) => (terminal.closed ? 0 : terminal.write(bytes)),
      closeStdin: () => {
        if (!terminal.closed) terminal.write(new Uint8Array([4])); // ^D: EOF at the line discipline
      },
      resize: (cols, rows) => {
        if (!terminal.closed) terminal.resize(cols, rows);
      },
      commandPid: () => commandPid(proc.pid, this.wrappers, true),
    };
  }
}

function statusOf(proc: Bun.Subprocess): ExitStatus {
  const signal = proc.signalCode;
  if (signal !== null && signal !== undefined) return { code: null, signal: String(signal) };
  return { code: proc.exitCode, signal: null };
}

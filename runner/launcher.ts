import { realpathSync } from "node:fs";
import { fail, ok, type Result } from "../src/protocol/errors.ts";
import { commandFor } from "../src/shared/paths.ts";
import { commandPid } from "../src/shared/proctree.ts";
import type { OutputStream } from "./kinds/kind.ts";
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

/** Side effect behind an interface: the real default runs everything through octo-sandbox. */
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
    const env: Record<string, string> = {};
    // The runner's own runtime tuning (BUN_JSC_*) is not the sandbox wrapper's business.
    for (const [k, val] of Object.entries(this.baseEnv))
      if (val !== undefined && !k.startsWith("BUN_JSC_")) env[k] = val;
    const flags = [
      "run",
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
    return { argv: [...commandFor("octo-sandbox"), ...flags, "--", ...spec.argv], env };
  }

  launch(spec: LaunchSpec, sink: OutputSink): Result<LaunchedProcess> {
    const cgroups = this.cgroups;
    const cgroup = cgroups?.create() ?? undefined;
    const { argv, env } = this.argvFor(spec, cgroup);
    try {
      const launched = spec.pty
        ? this.launchPty(argv, env, spec.pty, sink)
        : this.launchPipes(argv, env, sink);
      if (cgroups && cgroup) void launched.finished.then(() => cgroups.release(cgroup));
      return ok(launched);
    } catch (e) {
      if (cgroups && cgroup) void cgroups.release(cgroup);
      return fail("sandbox_failed", `cannot start octo-sandbox: ${(e as Error).message}`);
    }
  }

  private launchPipes(argv: string[], env: Record<string, string>, sink: OutputSink): LaunchedProcess {
    const proc = Bun.spawn(argv, { env, stdin: "pipe", stdout: "pipe", stderr: "pipe" });
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
    size: { cols: number; rows: number },
    sink: OutputSink,
  ): LaunchedProcess {
    let ptyClosed: () => void = () => {};
    const ptyDone = new Promise<void>((resolve) => {
      ptyClosed = resolve;
    });
    const proc = Bun.spawn(argv, {
      env: { TERM: "xterm-256color", ...env },
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

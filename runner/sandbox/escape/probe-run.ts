import { join } from "node:path";
import type { Account, EscapeFixture } from "./fixture.ts";

/** Where one probe runs: as which account, inside which sandbox (or outside), on a terminal or pipes. */
export interface ProbeSpec {
  as: "a" | "b" | "root";
  /** Absent: run outside any sandbox (a positive control). */
  sandbox?: { profile: string; pty?: boolean };
  /** Give the process a terminal of its own, like a user's shell. */
  terminal?: boolean;
  args: string[];
}

export interface ProbeResult {
  verdict: "ok" | "denied" | "error";
  detail: string;
  output: string;
}

export const PROBE_INSIDE = "/opt/octo/probe";

/** How to start octo-sandbox itself: the compiled binary, or `bun runner/sandbox/main.ts` from source. */
export function selfCommand(): string[] {
  const compiled = import.meta.path.startsWith("/$bunfs/");
  return compiled ? [process.execPath] : [process.execPath, join(import.meta.dir, "..", "main.ts")];
}

function accountOf(fx: EscapeFixture, as: ProbeSpec["as"]): Account | undefined {
  return as === "a" ? fx.a : as === "b" ? fx.b : undefined;
}

export function probeArgv(fx: EscapeFixture, spec: ProbeSpec, sandboxCommand: string[]): string[] {
  if (!spec.sandbox) return ["perl", join(fx.probeDir, "probe.pl"), ...spec.args];
  const account = accountOf(fx, spec.as) ?? fx.a;
  return [
    ...sandboxCommand,
    "run",
    "--profile",
    spec.sandbox.profile,
    "--project",
    account.project,
    "--workspace-root",
    account.workspace,
    "--ro",
    `${fx.probeDir}=${PROBE_INSIDE}`,
    "--user-label",
    account.name,
    "--egress-log",
    join(fx.sharedDir, `egress-${account.name}.jsonl`),
    ...(spec.sandbox.pty ? ["--pty"] : []),
    "--",
    "perl",
    `${PROBE_INSIDE}/probe.pl`,
    ...spec.args,
  ];
}

export function parseVerdict(output: string): Omit<ProbeResult, "output"> {
  const lines = output.replaceAll("\r", "").split("\n");
  for (let i = lines.length - 1; i >= 0; i--) {
    const match = lines[i]?.match(/^(ok|denied) ?(.*)$/);
    if (match) return { verdict: match[1] as "ok" | "denied", detail: match[2] ?? "" };
  }
  return { verdict: "error", detail: "probe gave no verdict" };
}

export interface RunningProbe {
  /** Resolves once a stdout line matches (pipes only). */
  waitForLine(pattern: RegExp): Promise<string>;
  /** Writes to stdin (pipes only). */
  send(text: string): void;
  result: Promise<ProbeResult>;
}

/** Starts a probe; every wait is on output or exit, never on time. */
export function startProbe(fx: EscapeFixture, spec: ProbeSpec, sandboxCommand: string[]): RunningProbe {
  const account = accountOf(fx, spec.as);
  const env: Record<string, string> = {
    PATH: "/usr/local/bin:/usr/bin:/bin",
    HOME: account?.home ?? "/root",
    LANG: "C.UTF-8",
    OCTO_PROFILES_DIR: fx.profilesDir,
    OCTO_EGRESS_HOSTS: fx.egressHosts,
  };
  const ids = account ? { uid: account.uid, gid: account.gid } : { uid: 0, gid: 0 };
  const argv = probeArgv(fx, spec, sandboxCommand);
  const cwd = account?.home ?? "/";
  let output = "";
  const waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  const feed = (text: string) => {
    output += text;
    for (const w of [...waiters]) {
      const line = output.split("\n").find((l) => w.pattern.test(l));
      if (line !== undefined) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  };
  if (spec.terminal) {
    let closed: () => void = () => {};
    const eof = new Promise<void>((resolve) => {
      closed = resolve;
    });
    const proc = Bun.spawn(argv, {
      ...ids,
      env,
      cwd,
      terminal: {
        cols: 80,
        rows: 24,
        data: (_t, d) => feed(new TextDecoder().decode(d)),
        exit: () => closed(),
      },
    });
    const result = (async () => {
      await proc.exited;
      await eof;
      proc.terminal?.close();
      return { ...parseVerdict(output), output };
    })();
    return { waitForLine: () => Promise.reject(new Error("terminal probe")), send: () => {}, result };
  }
  const proc = Bun.spawn(argv, { ...ids, env, cwd, stdin: "pipe", stdout: "pipe", stderr: "pipe" });
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) feed(decoder.decode(chunk, { stream: true }));
  };
  const result = (async () => {
    await Promise.all([pump(proc.stdout), pump(proc.stderr), proc.exited]);
    return { ...parseVerdict(output), output };
  })();
  return {
    waitForLine: (pattern) => {
      const line = output.split("\n").find((l) => pattern.test(l));
      if (line !== undefined) return Promise.resolve(line);
      return new Promise((resolve) => waiters.push({ pattern, resolve }));
    },
    send: (text) => {
      proc.stdin.write(text);
      proc.stdin.flush();
    },
    result,
  };
}

export function runProbe(fx: EscapeFixture, spec: ProbeSpec, sandboxCommand: string[]): Promise<ProbeResult> {
  return startProbe(fx, spec, sandboxCommand).result;
}

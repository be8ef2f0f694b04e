import { SandboxLauncher } from "../launcher.ts";
import type { SandboxCgroups } from "../sandbox-cgroups.ts";

/**
 * git in the project's own repository runs inside `octo-sandbox` with the project's profile, never
 * as the user outside it: the repository's `.git/config`, `.gitattributes` and hooks are written by
 * the agent, and whatever command they name (fsmonitor, filters, textconv, hooks, helpers) then runs
 * where the agent could already run it — and with no network. Several commands share one sandbox
 * (one start per request).
 */
export interface GitJail {
  /** The project's sandbox profile (its `.octo/sandbox.toml` tightens it, as for the agent). */
  profile: string;
  workspaceRoot: string;
  /** Extra read-only binds (the private mirror a pull fetches from). */
  readOnly?: { src: string; dst: string }[];
}

export interface GitCmd {
  args: string[];
  /** This command reads the batch's stdin (`apply -`); every other one reads /dev/null. */
  stdin?: boolean;
}

export interface GitOut {
  code: number;
  out: string;
  bytes: Uint8Array;
  err: string;
}

/** An argument replaced by HEAD's id, or the empty tree's in a repository without commits. */
export const HEAD_OR_EMPTY = "\0head-or-empty";
export const EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";

const q = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`;
const launcher = new SandboxLauncher();
const TIMEOUT_MS = 120_000;
/** The runner's delegated pids cgroups (decision 0032), when it has them. */
let cgroups: SandboxCgroups | null = null;

/**
 * Gives git's sandboxes a pids cgroup leaf each, like an agent's, so `limits.processes` holds per
 * sandbox. Without it the limit is RLIMIT_NPROC, counted over every process of the account: with a
 * few hundred agent processes of one account running, bwrap's clone failed (EAGAIN) and every git
 * route answered `sandbox_failed`.
 */
export function useCgroupsForGit(c: SandboxCgroups | null): void {
  cgroups = c;
}

export class SandboxFailed extends Error {
  override name = "SandboxFailed";
}

/** Runs `cmds` in order in one fresh sandbox (a failing command does not stop the next). */
export async function jailedGit(
  projectDir: string,
  jail: GitJail,
  cmds: GitCmd[],
  opts: { stdin?: string; env?: Record<string, string> } = {},
): Promise<GitOut[]> {
  const env = {
    GIT_TERMINAL_PROMPT: "0",
    GIT_LITERAL_PATHSPECS: "1",
    GIT_OPTIONAL_LOCKS: "0",
    LC_ALL: "C",
    ...opts.env,
  };
  const lines = ["set -u"];
  for (const [k, val] of Object.entries(env)) lines.push(`export ${k}=${q(val)}`);
  if (cmds.some((c) => c.args.includes(HEAD_OR_EMPTY)))
    lines.push(`base=$(git rev-parse --verify -q HEAD 2>/dev/null || echo ${EMPTY_TREE})`);
  cmds.forEach((c, i) => {
    const args = c.args.map((a) => (a === HEAD_OR_EMPTY ? '"$base"' : q(a))).join(" ");
    lines.push(
      `git -c core.quotepath=off ${args} ${c.stdin ? "" : "</dev/null"} >/tmp/.o${i} 2>/tmp/.e${i}; echo $? >/tmp/.c${i}`,
    );
  });
  // Framed: for each command, its stdout and stderr as "<bytes>\n<bytes of data>", then its status.
  cmds.forEach((_, i) => {
    lines.push(`for s in o e; do wc -c </tmp/.\${s}${i}; cat /tmp/.\${s}${i}; done; cat /tmp/.c${i}`);
  });
  const cgroup = cgroups?.create() ?? undefined;
  const { argv: wrapped, env: wrapperEnv } = launcher.argvFor(
    {
      argv: ["/bin/sh", "-c", lines.join("\n")],
      env: {},
      profile: jail.profile,
      project: projectDir,
      workspaceRoot: jail.workspaceRoot,
      userLabel: "octo-git",
      readOnly: jail.readOnly,
    },
    cgroup,
  );
  // No network at all: every git command here is local (the remote half runs outside, remote-git.ts),
  // so the repository's config cannot reach anything either, and no relay or proxy starts.
  const at = wrapped.indexOf("run") + 1;
  const argv = [...wrapped.slice(0, at), "--no-network", ...wrapped.slice(at)];
  const proc = Bun.spawn(argv, {
    env: wrapperEnv,
    stdin: opts.stdin === undefined ? "ignore" : new Blob([opts.stdin]),
    stdout: "pipe",
    stderr: "pipe",
  });
  const timer = setTimeout(() => proc.kill("SIGKILL"), TIMEOUT_MS);
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).bytes(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]).finally(() => {
    clearTimeout(timer);
    if (cgroup) void cgroups?.release(cgroup);
  });
  if (code !== 0) {
    const why = stderr.match(/octo-sandbox: error\[[a-z_]+\]: .*/)?.[0] ?? stderr.trim().slice(0, 300);
    throw new SandboxFailed(`git in the project's sandbox failed (${code}): ${why}`);
  }
  return parseFramed(stdout, cmds.length);
}

function parseFramed(buf: Uint8Array, n: number): GitOut[] {
  const dec = new TextDecoder();
  let pos = 0;
  const line = (): string => {
    const end = buf.indexOf(10, pos);
    if (end < 0) throw new SandboxFailed("git in the sandbox: truncated output");
    const s = dec.decode(buf.subarray(pos, end)).trim();
    pos = end + 1;
    return s;
  };
  const chunk = (): Uint8Array => {
    const len = Number(line());
    if (!Number.isInteger(len) || len < 0 || pos + len > buf.length)
      throw new SandboxFailed("git in the sandbox: malformed output");
    const b = buf.subarray(pos, pos + len);
    pos += len;
    return b;
  };
  const out: GitOut[] = [];
  for (let i = 0; i < n; i++) {
    const bytes = chunk();
    const err = dec.decode(chunk()).trim();
    out.push({ code: Number(line()), out: dec.decode(bytes), bytes, err });
  }
  return out;
}

/** One command in its own sandbox. */
export async function jailedGit1(
  projectDir: string,
  jail: GitJail,
  args: string[],
  opts: { stdin?: string; env?: Record<string, string> } = {},
): Promise<GitOut> {
  const [r] = await jailedGit(projectDir, jail, [{ args, stdin: opts.stdin !== undefined }], opts);
  return r as GitOut;
}

import { existsSync, lstatSync, readdirSync, readlinkSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { SandboxPolicy } from "../../src/protocol/sandbox.ts";
import { SANDBOX } from "./layout.ts";
import { type RelayForward, relayScript } from "./relay.ts";

export interface ReadOnlyBind {
  src: string;
  dst: string;
}

/** Host programs the sandbox is built from (absolute paths, resolved once by `locateTools`). */
export interface SandboxTools {
  bwrap: string;
  prlimit: string;
  nice: string;
  socat: string;
  sh: string;
}

export interface SandboxRunOptions {
  /** Real (symlink-free) host path of the project, mounted at /workspace. */
  project: string;
  /** Host home of the invoking account: `~/` entries of the policy are taken from here. */
  home: string;
  pty: boolean;
  command: string[];
  llmSocket?: string;
  /** Host directory holding the user's gateway sockets (`llm.sock`); bound whole. */
  gatewayDir?: string;
  toolSocket?: string;
  /** Host path of this run's egress proxy socket (proxy mode only). */
  egressSocket?: string;
  /** Host loopback port of the LLM relay in open mode (no private loopback there). */
  openLlmPort?: number;
  extraReadOnly?: ReadOnlyBind[];
  extraReadWrite?: ReadOnlyBind[];
  /** This sandbox's own pids cgroup: `limits.processes` is its `pids.max`, not RLIMIT_NPROC. */
  cgroup?: string;
  tools: SandboxTools;
}

const MIB = 1024 * 1024;

/** `~/x` → where it lives on the host and where it appears inside. */
function placeOf(path: string, home: string): { host: string; inside: string } {
  if (path.startsWith("~/"))
    return { host: join(home, path.slice(2)), inside: join(SANDBOX.home, path.slice(2)) };
  return { host: path, inside: path };
}

const under = (outer: string, inner: string) => inner === outer || inner.startsWith(`${outer}/`);

function prlimitArgs(policy: SandboxPolicy, opts: SandboxRunOptions): string[] {
  const l = policy.limits;
  const args: string[] = [];
  // RLIMIT_NPROC counts the whole Linux account (every sandbox of it): only without a cgroup.
  if (l.processes && !opts.cgroup) args.push(`--nproc=${l.processes}`);
  if (l.open_files) args.push(`--nofile=${l.open_files}`);
  if (l.memory_mb) args.push(`--as=${l.memory_mb * MIB}`);
  if (l.cpu_seconds) args.push(`--cpu=${l.cpu_seconds}`);
  if (l.file_size_mb) args.push(`--fsize=${l.file_size_mb * MIB}`);
  return args.length ? [opts.tools.prlimit, ...args, "--"] : [];
}

/**
 * Lowers the sandbox's autogroup from a background loop, then becomes the command (`exec` keeps the
 * pid the loop writes for). The kernel lets a process without CAP_SYS_ADMIN change an autogroup's
 * nice only once per 100 ms machine-wide, so sandboxes starting together retry rather than wait;
 * a kernel without autogroups has no such file, and the loop ends at once.
 */
function autogroupScript(nice: number): string {
  return [
    "(n=0; f=/proc/$$/autogroup",
    `while [ -w "$f" ] && [ $n -lt 100 ]; do echo ${nice} > "$f" 2>/dev/null && break; n=$((n + 1)); sleep 0.1; done`,
    ") </dev/null >/dev/null 2>&1 &",
    'exec "$@"',
  ].join("\n");
}

function niceArgs(policy: SandboxPolicy, nice: string): string[] {
  return policy.limits.nice ? [nice, "-n", String(policy.limits.nice)] : [];
}

type BindFlag = "--ro-bind-try" | "--bind-try";

function bindArgs(flag: BindFlag, path: string, home: string, reserved: string[]): string[] {
  const { host, inside } = placeOf(path, home);
  return bindPlace(flag, host, inside, reserved);
}

/**
 * Binds host → inside. When a reserved destination (an extra `--ro` bind such as /opt/octo/pi)
 * lies below `inside`, the directory is rebuilt child by child instead, so the destination can be
 * created in the sandbox's own root rather than inside a read-only host mount.
 */
function bindPlace(flag: BindFlag, host: string, inside: string, reserved: string[]): string[] {
  let stat: ReturnType<typeof lstatSync> | undefined;
  try {
    stat = lstatSync(host);
  } catch {
    return []; // absent on this host: nothing to bind, nothing to hide
  }
  // Merged-/usr systems have /bin → usr/bin: recreate the link instead of binding the target twice.
  if (stat.isSymbolicLink()) return ["--symlink", readlinkSync(host), inside];
  const below = reserved.filter((dst) => dst.startsWith(`${inside}/`));
  if (below.length === 0 || !stat.isDirectory()) return [flag, host, inside];
  const args = ["--dir", inside];
  for (const child of readdirSync(host)) {
    const childInside = join(inside, child);
    if (reserved.includes(childInside)) continue;
    args.push(...bindPlace(flag, join(host, child), childInside, below));
  }
  return args;
}

/** Maps a sandbox path back to the host file that would appear there, if any. */
function hostSourceOf(inside: string, policy: SandboxPolicy, opts: SandboxRunOptions): string | undefined {
  if (under(SANDBOX.workspace, inside)) return opts.project + inside.slice(SANDBOX.workspace.length);
  for (const bind of [...(opts.extraReadOnly ?? []), ...(opts.extraReadWrite ?? [])])
    if (under(bind.dst, inside)) return bind.src + inside.slice(bind.dst.length);
  for (const entry of [...policy.filesystem.read_write, ...policy.filesystem.read_only]) {
    const place = placeOf(entry, opts.home);
    if (under(place.inside, inside)) return place.host + inside.slice(place.inside.length);
  }
  return undefined;
}

function denyArgs(policy: SandboxPolicy, opts: SandboxRunOptions): string[] {
  const args: string[] = [];
  for (const entry of policy.filesystem.deny) {
    const inside = placeOf(entry, opts.home).inside;
    const host = hostSourceOf(inside, policy, opts);
    if (!host || !existsSync(host)) continue; // not visible inside: nothing to mask
    if (statSync(host).isDirectory()) args.push("--tmpfs", inside, "--remount-ro", inside);
    else args.push("--ro-bind", "/dev/null", inside);
  }
  return args;
}

export function relayForwards(policy: SandboxPolicy, opts: SandboxRunOptions): RelayForward[] {
  const forwards: RelayForward[] = [];
  if (opts.llmSocket || opts.gatewayDir) {
    const port = policy.network.mode === "open" ? opts.openLlmPort : SANDBOX.llmPort;
    if (port === undefined) throw new Error("open mode with an LLM socket needs openLlmPort");
    // Through the gateway directory a call made while the gateway restarts waits for it.
    if (opts.gatewayDir)
      forwards.push({ port, socket: SANDBOX.gatewayLlmSocket, waitMs: SANDBOX.gatewayWaitMs });
    else forwards.push({ port, socket: SANDBOX.llmSocket });
  }
  if (policy.network.mode === "proxy")
    forwards.push({ port: SANDBOX.egressPort, socket: SANDBOX.egressSocket });
  return forwards;
}

/**
 * The exact argv that starts the sandbox: `[nice -n N] prlimit … -- bwrap … -- [sh -c relay] CMD…`.
 * The environment is not on the argv (other accounts can read argv in /proc): see `buildSandboxEnv`.
 * The caller must pass the seccomp program (`buildSeccompFilter`) as descriptor `SANDBOX.seccompFd`.
 */
export function buildBwrapArgv(policy: SandboxPolicy, opts: SandboxRunOptions): string[] {
  if (policy.network.mode === "proxy" && !opts.egressSocket)
    throw new Error("proxy mode needs an egress socket");
  const tmpSize = policy.limits.tmp_mb ? ["--size", String(policy.limits.tmp_mb * MIB)] : [];
  const argv = [
    ...niceArgs(policy, opts.tools.nice),
    ...prlimitArgs(policy, opts),
    opts.tools.bwrap,
    "--unshare-user",
    "--disable-userns",
    "--unshare-pid",
    "--unshare-ipc",
    "--unshare-uts",
    "--unshare-cgroup-try",
    ...(policy.network.mode === "open" ? [] : ["--unshare-net"]),
    "--hostname",
    SANDBOX.hostname,
    "--die-with-parent",
    // A PTY shell needs the terminal's session for job control and Ctrl-C; pipes never get one.
    ...(opts.pty ? [] : ["--new-session"]),
    "--cap-drop",
    "ALL",
    "--seccomp",
    String(SANDBOX.seccompFd),
    "--proc",
    "/proc",
    "--dev",
    "/dev",
    ...tmpSize,
    "--tmpfs",
    "/tmp",
    ...tmpSize,
    "--perms",
    "0700",
    "--tmpfs",
    SANDBOX.home,
  ];
  const reserved = [...(opts.extraReadOnly ?? []), ...(opts.extraReadWrite ?? [])].map((bind) => bind.dst);
  for (const path of policy.filesystem.read_only)
    argv.push(...bindArgs("--ro-bind-try", path, opts.home, reserved));
  for (const path of policy.filesystem.read_write)
    argv.push(...bindArgs("--bind-try", path, opts.home, reserved));
  for (const bind of opts.extraReadOnly ?? []) argv.push("--ro-bind", bind.src, bind.dst);
  for (const bind of opts.extraReadWrite ?? []) argv.push("--bind", bind.src, bind.dst);
  argv.push("--bind", opts.project, SANDBOX.workspace);
  argv.push("--ro-bind", join(opts.project, ".octo"), join(SANDBOX.workspace, ".octo"));
  if (opts.llmSocket) argv.push("--ro-bind", opts.llmSocket, SANDBOX.llmSocket);
  if (opts.gatewayDir) argv.push("--ro-bind", opts.gatewayDir, SANDBOX.gatewayDir);
  // The socket's directory, not the socket: a socket made anew there (a new inode) stays reachable.
  if (opts.toolSocket)
    argv.push(
      "--ro-bind",
      dirname(opts.toolSocket),
      SANDBOX.toolDir,
      "--symlink",
      `${basename(SANDBOX.toolDir)}/${basename(opts.toolSocket)}`,
      SANDBOX.toolSocket,
    );
  if (opts.egressSocket && policy.network.mode === "proxy")
    argv.push("--ro-bind", opts.egressSocket, SANDBOX.egressSocket);
  argv.push(...denyArgs(policy, opts));
  argv.push("--remount-ro", "/", "--chdir", SANDBOX.workspace, "--");
  // `--new-session` puts the sandbox in an autogroup of its own, and the kernel shares the CPU
  // between autogroups first: nice on the processes alone would then change nothing against the
  // runner and server. The group's own nice (written by its member, may only rise) carries it.
  if (policy.limits.nice) argv.push(opts.tools.sh, "-c", autogroupScript(policy.limits.nice), "octo-nice");
  const forwards = relayForwards(policy, opts);
  if (forwards.length > 0)
    argv.push(opts.tools.sh, "-c", relayScript(opts.tools.socat, forwards), "octo-relay");
  argv.push(...opts.command);
  return argv;
}

export interface SandboxEnvOptions {
  /** The invoking environment: only the policy's `env.pass` names are taken from it. */
  callerEnv: Record<string, string | undefined>;
  /** Validated `--env` pairs from the runner. */
  extra: Record<string, string>;
  userLabel?: string;
}

/** The complete environment inside: nothing else crosses into the sandbox. */
export function buildSandboxEnv(
  policy: SandboxPolicy,
  opts: SandboxRunOptions,
  envOpts: SandboxEnvOptions,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of policy.env.pass) {
    const value = envOpts.callerEnv[name];
    if (value !== undefined) env[name] = value;
  }
  Object.assign(env, policy.env.set, envOpts.extra);
  env.HOME = SANDBOX.home;
  env.TMPDIR = "/tmp";
  env.OCTO_SANDBOX = policy.profile;
  env.OCTO_PROJECT = SANDBOX.workspace;
  if (envOpts.userLabel) env.USER = env.LOGNAME = envOpts.userLabel;
  const llm = relayForwards(policy, opts).find(
    (f) => f.socket === SANDBOX.llmSocket || f.socket === SANDBOX.gatewayLlmSocket,
  );
  if (llm) env.OCTO_LLM_URL = `http://127.0.0.1:${llm.port}`;
  if (opts.toolSocket) env.OCTO_TOOL_SOCKET = SANDBOX.toolSocket;
  if (policy.network.mode === "proxy") {
    const proxy = `http://127.0.0.1:${SANDBOX.egressPort}`;
    env.HTTP_PROXY = env.HTTPS_PROXY = env.http_proxy = env.https_proxy = proxy;
    env.NO_PROXY = env.no_proxy = "127.0.0.1,localhost,::1";
  }
  return env;
}

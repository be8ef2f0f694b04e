import { join } from "node:path";

/**
 * Where runner sockets and secrets live. One home for these names: the server, the runner and
 * the privileged system component all ask here.
 *
 * Multi-user (`runtimeDir` = /run/octo when installed):
 *   system.sock             root:<server group> 0660   the privileged component
 *   runners/                root 0711                  traversable, not listable
 *   runners/<name>/         octo_<name>:<server group> 0750
 *     runner.sock           octo_<name>:<server group> 0660
 *     secret                octo_<name> 0400          the runner's copy of its handshake secret
 *     runner.pid, runner.log
 *   secrets/                root:<server group> 0750
 *     <name>                root:<server group> 0440  the server's copy (root-owned: the user cannot swap it)
 *
 * Single-user (`socketDir` = $XDG_RUNTIME_DIR/octo or config runner.socket_dir): one 0700 directory
 * of the invoking user holding runner.sock, runner.secret (0600), runner.pid, runner.log.
 */

export const LINUX_USER_PREFIX = "octo_";
/** Linux limits user names to 32 characters. */
export const LINUX_NAME_MAX = 32;

export const linuxUserFor = (name: string): string => `${LINUX_USER_PREFIX}${name}`;
export const homeFor = (name: string, homeBase = "/home"): string => join(homeBase, linuxUserFor(name));
export const workspaceFor = (name: string, homeBase = "/home"): string =>
  join(homeFor(name, homeBase), "octo");

export interface RunnerFiles {
  dir: string;
  socket: string;
  /** The file the runner reads its secret from. */
  runnerSecret: string;
  /** The file the server reads the same secret from. */
  serverSecret: string;
  pidFile: string;
  logFile: string;
}

export function singleUserRunnerFiles(socketDir: string): RunnerFiles {
  const secret = join(socketDir, "runner.secret");
  return {
    dir: socketDir,
    socket: join(socketDir, "runner.sock"),
    runnerSecret: secret,
    serverSecret: secret,
    pidFile: join(socketDir, "runner.pid"),
    logFile: join(socketDir, "runner.log"),
  };
}

export const systemSocketPath = (runtimeDir: string): string => join(runtimeDir, "system.sock");
export const runnersDir = (runtimeDir: string): string => join(runtimeDir, "runners");
export const serverSecretsDir = (runtimeDir: string): string => join(runtimeDir, "secrets");

export function multiUserRunnerFiles(runtimeDir: string, name: string): RunnerFiles {
  const dir = join(runnersDir(runtimeDir), name);
  return {
    dir,
    socket: join(dir, "runner.sock"),
    runnerSecret: join(dir, "secret"),
    serverSecret: join(serverSecretsDir(runtimeDir), name),
    pidFile: join(dir, "runner.pid"),
    logFile: join(dir, "runner.log"),
  };
}

/** A fresh handshake secret: 32 random bytes, base64url. */
export const newHandshakeSecret = (): string =>
  Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64url");

/**
 * Environment a runner runs with, whoever starts it. Empty: JavaScriptCore's JIT stays on. It was
 * off (`BUN_JSC_useJIT=0`, idle RSS 36 MB instead of 41–48) until floods were measured
 * (bench/README.md, decision 0033): with the JIT the runner spends ~40% less CPU per 10k-token
 * flood and adds a fifth of the latency, for ~20 MB more RSS per runner (one per user).
 */
export const RUNNER_RUNTIME_ENV: Readonly<Record<string, string>> = {};

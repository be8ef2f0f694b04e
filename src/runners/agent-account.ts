import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  renameSync,
  statSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { fail, ok, type Result } from "../protocol/errors.ts";
import { AGENT_ACCOUNT, AGENT_HOME } from "../shared/paths.ts";
import { RUNNER_RUNTIME_ENV } from "../shared/runner-layout.ts";

/**
 * Single-user mode started as root runs its runner (and so every agent) as this unprivileged
 * account, never as uid 0 (decision 0016). Multi-user mode has one account per platform user.
 */
export interface AgentAccount {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

export const runningAsRoot = (): boolean => process.getuid?.() === 0;

function passwdEntry(name: string): AgentAccount | undefined {
  for (const line of readFileSync("/etc/passwd", "utf8").split("\n")) {
    const f = line.split(":");
    if (f[0] === name) return { name, uid: Number(f[2]), gid: Number(f[3]), home: f[5] ?? "" };
  }
  return undefined;
}

/** Creates `octo-agent` (system account, own group, no login shell, home 0700) once; idempotent. */
export function ensureAgentAccount(): Result<AgentAccount> {
  let account = passwdEntry(AGENT_ACCOUNT);
  if (!account) {
    const r = Bun.spawnSync(
      [
        "useradd",
        "--system",
        "--user-group",
        "--home-dir",
        AGENT_HOME,
        "--shell",
        "/usr/sbin/nologin",
        "--comment",
        "octo agents (single-user mode run as root)",
        AGENT_ACCOUNT,
      ],
      { stdout: "pipe", stderr: "pipe" },
    );
    account = passwdEntry(AGENT_ACCOUNT);
    if (!account)
      return fail(
        "runner_unavailable",
        `could not create the Linux account ${AGENT_ACCOUNT} for agents: ${r.stderr.toString().trim()}`,
      );
  }
  if (account.uid === 0) return fail("runner_unavailable", `${AGENT_ACCOUNT} has uid 0: refusing to use it`);
  // The home may already exist (made by the server for its sockets before the account existed).
  mkdirSync(account.home, { recursive: true, mode: 0o700 });
  chownSync(account.home, account.uid, account.gid);
  chmodSync(account.home, 0o700);
  return ok(account);
}

/**
 * A directory the agent account owns (0700), reachable by it: made if missing (parents 0711), and
 * every ancestor checked. A path it cannot reach fails with what to do about it.
 */
export function ensureAgentDir(path: string, account: AgentAccount): Result<void> {
  const missing: string[] = [];
  for (let dir = path; !existsSync(dir); dir = dirname(dir)) missing.unshift(dir);
  for (const dir of missing) mkdirSync(dir, { mode: 0o711 });
  if (!lstatSync(path).isDirectory()) return fail("runner_unavailable", `${path} is not a directory`);
  chownSync(path, account.uid, account.gid);
  chmodSync(path, 0o700);
  for (let dir = dirname(path); dir !== dirname(dir); dir = dirname(dir)) {
    const st = statSync(dir);
    if ((st.mode & 0o001) === 0 && st.uid !== account.uid)
      return fail(
        "runner_unavailable",
        `the agent account ${AGENT_ACCOUNT} cannot reach ${path}: ${dir} is closed to other users. ` +
          `Choose a workspace and socket directory outside it (e.g. leave [local] workspace_dir and ` +
          `[runner] socket_dir empty to use ${AGENT_HOME}), or use multi-user mode (octo install).`,
      );
  }
  return ok(undefined);
}

/**
 * Root's old single-user workspace (`/root/octo`, which the agent account cannot reach) moves once
 * to the agent's workspace, so existing projects keep working.
 */
export function moveLegacyWorkspace(legacy: string, workspace: string, account: AgentAccount): Result<void> {
  if (legacy === workspace || !existsSync(legacy) || existsSync(workspace)) return ok(undefined);
  if (!lstatSync(legacy).isDirectory()) return ok(undefined);
  mkdirSync(dirname(workspace), { recursive: true, mode: 0o711 });
  try {
    renameSync(legacy, workspace);
  } catch (e) {
    return fail(
      "runner_unavailable",
      `could not move the workspace ${legacy} to ${workspace} (${(e as Error).message}); move it by hand`,
    );
  }
  const r = Bun.spawnSync(["chown", "-R", "--no-dereference", `${account.uid}:${account.gid}`, workspace], {
    stderr: "pipe",
  });
  if (r.exitCode !== 0)
    return fail("runner_unavailable", `chown ${workspace}: ${r.stderr.toString().trim()}`);
  return ok(undefined);
}

/** The environment the runner gets when it runs as the agent account: its own, not root's. */
export function agentEnv(account: AgentAccount, from: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {
    HOME: account.home,
    USER: account.name,
    LOGNAME: account.name,
    SHELL: "/bin/sh",
    PATH: from.PATH || "/usr/local/bin:/usr/bin:/bin",
  };
  for (const k of [
    "LANG",
    "TZ",
    "TERM",
    "OCTO_BIN_DIR",
    "OCTO_TRACE_FILE",
    "OCTO_AGENT_START_WAIT_MS",
    "OCTO_PROFILES_DIR",
    "OCTO_EGRESS_HOSTS",
  ]) {
    const v = from[k];
    if (v !== undefined) out[k] = v;
  }
  return { ...out, ...RUNNER_RUNTIME_ENV };
}

export const legacyRootWorkspace = (home: string): string => join(home, "octo");

import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
} from "node:fs";
import * as v from "valibot";
import { fail, ok, type Result } from "../../src/protocol/errors.ts";
import { userName } from "../../src/protocol/runner.ts";
import { homeFor, LINUX_NAME_MAX, linuxUserFor, workspaceFor } from "../../src/shared/runner-layout.ts";

/** A platform user's Linux account, as the system component sees it. */
export interface Account {
  name: string;
  linuxUser: string;
  uid: number;
  gid: number;
  home: string;
  workspace: string;
}

/** The name rule plus the Linux length limit on `octo_<name>`. */
export function validateName(name: unknown): Result<string> {
  const parsed = v.safeParse(userName, name);
  if (!parsed.success) return fail("validation_failed", `invalid user name: ${parsed.issues[0].message}`);
  if (linuxUserFor(parsed.output).length > LINUX_NAME_MAX)
    return fail(
      "validation_failed",
      `user name ${parsed.output} is too long for a Linux account (${LINUX_NAME_MAX} max with prefix)`,
    );
  return ok(parsed.output);
}

interface PasswdEntry {
  uid: number;
  gid: number;
  home: string;
}

function passwdEntry(linuxUser: string): PasswdEntry | undefined {
  for (const line of readFileSync("/etc/passwd", "utf8").split("\n")) {
    const f = line.split(":");
    if (f[0] === linuxUser) return { uid: Number(f[2]), gid: Number(f[3]), home: f[5] ?? "" };
  }
  return undefined;
}

export function userId(linuxUser: string): number | undefined {
  return passwdEntry(linuxUser)?.uid;
}

export function groupId(group: string): number | undefined {
  for (const line of readFileSync("/etc/group", "utf8").split("\n")) {
    const f = line.split(":");
    if (f[0] === group) return Number(f[2]);
  }
  return undefined;
}

function run(argv: string[]): Result<void> {
  const r = Bun.spawnSync(argv, { stdout: "pipe", stderr: "pipe" });
  if (r.exitCode === 0) return ok(undefined);
  return fail("internal", `${argv[0]} failed (${r.exitCode}): ${r.stderr.toString().trim()}`);
}

export function lookupAccount(name: string, homeBase = "/home"): Account | undefined {
  const linuxUser = linuxUserFor(name);
  const entry = passwdEntry(linuxUser);
  if (!entry) return undefined;
  return {
    name,
    linuxUser,
    uid: entry.uid,
    gid: entry.gid,
    home: homeFor(name, homeBase),
    workspace: workspaceFor(name, homeBase),
  };
}

/** A directory we (root) own the decision about: never follow a symlink the user planted. */
function ensureOwnedDir(path: string, uid: number, gid: number, mode: number): Result<void> {
  if (existsSync(path)) {
    const st = lstatSync(path);
    if (!st.isDirectory()) return fail("conflict", `${path} exists and is not a directory`);
  } else mkdirSync(path, { mode });
  chownSync(path, uid, gid);
  chmodSync(path, mode);
  return ok(undefined);
}

/** Creates `octo_<name>` (own group, no login shell) with home and workspace 0700; idempotent. */
export function ensureAccount(name: string, homeBase = "/home"): Result<Account> {
  const valid = validateName(name);
  if (!valid.ok) return valid;
  const linuxUser = linuxUserFor(name);
  const home = homeFor(name, homeBase);
  const existing = passwdEntry(linuxUser);
  if (existing && existing.home !== home)
    return fail("conflict", `Linux user ${linuxUser} exists with home ${existing.home}, not ${home}`);
  if (!existing) {
    const created = run([
      "useradd",
      "--create-home",
      "--home-dir",
      home,
      "--shell",
      "/usr/sbin/nologin",
      "--user-group",
      "--comment",
      `octo user ${name}`,
      linuxUser,
    ]);
    if (!created.ok) return created;
  }
  const account = lookupAccount(name, homeBase);
  if (!account) return fail("internal", `useradd did not create ${linuxUser}`);
  const homeOk = ensureOwnedDir(home, account.uid, account.gid, 0o700);
  if (!homeOk.ok) return homeOk;
  const wsOk = ensureOwnedDir(account.workspace, account.uid, account.gid, 0o700);
  if (!wsOk.ok) return wsOk;
  return ok(account);
}

/** Every process of a uid (a user being deleted must have none left, or userdel refuses). */
export function pidsOfUid(uid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const m = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${entry}/status`, "utf8"));
      if (m && Number(m[1]) === uid) out.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

export function deleteAccount(name: string, purge: boolean, homeBase = "/home"): Result<{ purged: boolean }> {
  const account = lookupAccount(name, homeBase);
  if (!account) return fail("not_found", `no Linux user ${linuxUserFor(name)}`);
  for (let pass = 0; pass < 5; pass++) {
    const pids = pidsOfUid(account.uid);
    if (pids.length === 0) break;
    for (const pid of pids) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // gone
      }
    }
    Bun.sleepSync(20);
  }
  const removed = run(["userdel", ...(purge ? ["--remove"] : []), account.linuxUser]);
  if (!removed.ok) return removed;
  if (purge) rmSync(account.home, { recursive: true, force: true });
  return ok({ purged: purge });
}

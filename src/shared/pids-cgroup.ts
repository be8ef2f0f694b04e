import {
  chownSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";

/**
 * Per-sandbox process limits through the cgroup `pids` controller (decision 0032). A runner gets a
 * delegated subtree `<hierarchy>/octo/<linux user>/` (or its systemd unit's own cgroup with
 * `Delegate=pids`), lives in its `runner` leaf, and puts each sandbox into a sibling leaf whose
 * `pids.max` is the profile's `limits.processes`. This file holds what both sides share: finding
 * the hierarchy, reading where a process is, and the root side of the delegation.
 */

export interface PidsHierarchy {
  version: 1 | 2;
  /** Where the hierarchy holding the pids controller is mounted. */
  mount: string;
}

/** The name of the runner's own leaf inside its delegated subtree. */
export const RUNNER_LEAF = "runner";
/** Switch: `OCTO_PIDS_CGROUP=off` makes runners (and the root side) behave as if cgroups were absent. */
export const PIDS_CGROUP_ENV = "OCTO_PIDS_CGROUP";

export const pidsCgroupDisabled = (env: Record<string, string | undefined> = process.env): boolean =>
  env[PIDS_CGROUP_ENV] === "off";

function readOr(path: string, fallback = ""): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return fallback;
  }
}

/**
 * The mounted hierarchy with the pids controller: a v1 `cgroup` mount with the `pids` option, or
 * the v2 mount when its root lists `pids` (a controller lives in one hierarchy at a time).
 */
export function pidsHierarchy(mountinfo = readOr("/proc/self/mountinfo")): PidsHierarchy | null {
  let v2: string | null = null;
  for (const line of mountinfo.split("\n")) {
    const [left, right] = line.split(" - ");
    if (!left || !right) continue;
    const mount = left.split(" ")[4];
    const [fstype, , superOptions = ""] = right.split(" ");
    if (!mount) continue;
    if (fstype === "cgroup" && superOptions.split(",").includes("pids")) return { version: 1, mount };
    if (fstype === "cgroup2" && v2 === null) v2 = mount;
  }
  if (v2 && readOr(join(v2, "cgroup.controllers")).split(/\s+/).includes("pids"))
    return { version: 2, mount: v2 };
  return null;
}

/** The file system path of the cgroup `pid` is in, in the given hierarchy (null when unknown). */
export function cgroupOf(pid: number | "self", hierarchy: PidsHierarchy): string | null {
  for (const line of readOr(`/proc/${pid}/cgroup`).split("\n")) {
    const first = line.indexOf(":");
    const second = line.indexOf(":", first + 1);
    if (first < 0 || second < 0) continue;
    const controllers = line.slice(first + 1, second);
    const path = line.slice(second + 1);
    const match = hierarchy.version === 2 ? line.startsWith("0::") : controllers.split(",").includes("pids");
    if (match) return join(hierarchy.mount, path);
  }
  return null;
}

/** The subtree root delegates to one Linux account (outside systemd). */
export const delegatedBase = (hierarchy: PidsHierarchy, linuxUser: string): string =>
  join(hierarchy.mount, "octo", linuxUser);

/** Files the delegatee must own to move processes and (v2) hand the controller on. */
const DELEGATED_FILES = ["cgroup.procs", "cgroup.subtree_control", "cgroup.threads", "tasks"];

function chownDelegated(dir: string, uid: number, gid: number): void {
  chownSync(dir, uid, gid);
  for (const name of DELEGATED_FILES) {
    const file = join(dir, name);
    if (existsSync(file)) chownSync(file, uid, gid);
  }
}

/** v2: hands the pids controller to `dir`'s children (no-op when already on). */
export function enablePids(dir: string): void {
  const control = join(dir, "cgroup.subtree_control");
  if (!readOr(control).split(/\s+/).includes("pids")) writeFileSync(control, "+pids");
}

/**
 * Root side, when no systemd unit delegates for us: `<hierarchy>/octo/<linuxUser>/runner`, owned
 * by the account (v2: pids enabled down to it). Returns the runner leaf, or null (and why) when
 * there is no pids controller, the switch is off, or the hierarchy is not ours to write.
 */
export function delegatePidsCgroup(
  account: { linuxUser: string; uid: number; gid: number },
  env: Record<string, string | undefined> = process.env,
): { leaf: string } | { unavailable: string } {
  if (pidsCgroupDisabled(env)) return { unavailable: `${PIDS_CGROUP_ENV}=off` };
  const hierarchy = pidsHierarchy();
  if (!hierarchy) return { unavailable: "no cgroup hierarchy with the pids controller is mounted" };
  const base = delegatedBase(hierarchy, account.linuxUser);
  const leaf = join(base, RUNNER_LEAF);
  try {
    mkdirSync(leaf, { recursive: true });
    if (hierarchy.version === 2) {
      enablePids(hierarchy.mount);
      enablePids(join(hierarchy.mount, "octo"));
      enablePids(base);
    }
    chownDelegated(base, account.uid, account.gid);
    chownDelegated(leaf, account.uid, account.gid);
    return { leaf };
  } catch (e) {
    return { unavailable: `cannot delegate ${base}: ${(e as Error).message}` };
  }
}

/** Root side: moves a just-started runner into its leaf (before it starts any sandbox). */
export function placeInCgroup(leaf: string, pid: number): string | null {
  try {
    writeFileSync(join(leaf, "cgroup.procs"), String(pid));
    return null;
  } catch (e) {
    return `cannot move pid ${pid} into ${leaf}: ${(e as Error).message}`;
  }
}

function cgroupPids(dir: string): number[] {
  return readOr(join(dir, "cgroup.procs"))
    .split("\n")
    .map(Number)
    .filter((pid) => Number.isInteger(pid) && pid > 0);
}

function childCgroups(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => join(dir, e.name));
  } catch {
    return [];
  }
}

/** How long a cgroup may take to empty after SIGKILL before its removal is given up (logged). */
const REMOVE_WAIT_MS = 5_000;

/**
 * Ends whatever is still in `dir` (and below) and removes it: v2's `cgroup.kill` where the kernel
 * has it, else SIGKILL to each member; then rmdir, retried while the dying are being reaped.
 * Returns null when gone, or why not.
 */
export async function removeCgroup(dir: string): Promise<string | null> {
  for (const child of childCgroups(dir)) {
    const failed = await removeCgroup(child);
    if (failed) return failed;
  }
  const deadline = Date.now() + REMOVE_WAIT_MS;
  let wait = 2;
  for (;;) {
    try {
      rmdirSync(dir);
      return null;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "ENOENT") return null;
      if (code !== "EBUSY" || Date.now() > deadline) return `cannot remove ${dir}: ${(e as Error).message}`;
    }
    const kill = join(dir, "cgroup.kill");
    let killed = false;
    if (existsSync(kill)) {
      try {
        writeFileSync(kill, "1");
        killed = true;
      } catch {
        // not ours to write: signal each member instead
      }
    }
    if (!killed)
      for (const pid of cgroupPids(dir)) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // gone meanwhile
        }
      }
    await Bun.sleep(wait);
    wait = Math.min(wait * 2, 50);
  }
}

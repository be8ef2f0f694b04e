import { readdirSync, readFileSync, readlinkSync } from "node:fs";

/**
 * Process-tree helpers over /proc. A sandboxed process is a small tree (octo-sandbox → bwrap →
 * bwrap as pid 1 of the new pid namespace → the command); killing "the process" means all of it.
 */

/** Parent pid from /proc/<pid>/stat (the comm field may contain spaces and parens). */
function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(fields[1]);
  } catch {
    return undefined;
  }
}

function allPids(): number[] {
  return readdirSync("/proc")
    .filter((n) => /^\d+$/.test(n))
    .map(Number);
}

/** Every descendant of `root`, parents before children. */
export function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const pid of allPids()) {
    const ppid = parentOf(pid);
    if (ppid === undefined) continue;
    const list = children.get(ppid);
    if (list) list.push(pid);
    else children.set(ppid, [pid]);
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    for (const child of children.get(pid) ?? []) {
      out.push(child);
      queue.push(child);
    }
  }
  return out;
}

/** Alive and not a zombie (a zombie has exited and only waits to be reaped). */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

function exeOf(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/exe`);
  } catch {
    return undefined;
  }
}

/**
 * The process that runs the user's command under `root`: the first one, breadth-first, whose
 * executable is none of the wrappers (octo-sandbox, bwrap). Falls back to `root`.
 */
export function commandPid(root: number, wrapperExes: ReadonlySet<string>, skipRoot: boolean): number {
  if (!skipRoot) return root;
  for (const pid of descendants(root)) {
    const exe = exeOf(pid);
    if (exe && !wrapperExes.has(exe)) return pid;
  }
  return root;
}

function trySignal(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone: exactly what we want.
  }
}

/**
 * SIGKILL `root` and everything below it. Children are collected first and stopped so none can
 * fork new ones while we work; a few passes catch anything that forked in between.
 */
export function killTree(root: number): void {
  for (let pass = 0; pass < 5; pass++) {
    const tree = [root, ...descendants(root)].filter(isAlive);
    if (tree.length === 0) return;
    for (const pid of tree) trySignal(pid, "SIGSTOP");
    for (const pid of tree) trySignal(pid, "SIGKILL");
    if (!isAlive(root) && descendants(root).length === 0) return;
  }
}

/** Resident set size of a process in bytes (VmRSS), or 0 when unknown. */
export function rssBytes(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Resident memory of a process and all its descendants (a runner with its agents and shells). */
export function treeRssBytes(root: number): number {
  return [root, ...descendants(root)].reduce((sum, pid) => sum + rssBytes(pid), 0);
}

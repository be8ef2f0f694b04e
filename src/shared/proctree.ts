import { readdirSync, readFileSync, readlinkSync } from "node:fs";

/**
 * Process-tree helpers over /proc. A sandboxed process is a small tree (bwrap, started by the
 * runner or by `octo-sandbox run` → bwrap as pid 1 of the new pid namespace → the command); killing
 * "the process" means all of it.
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

/** Parent pid → its children, from one scan of /proc. */
export function childrenMap(): Map<number, number[]> {
  const children = new Map<number, number[]>();
  for (const pid of allPids()) {
    const ppid = parentOf(pid);
    if (ppid === undefined) continue;
    const list = children.get(ppid);
    if (list) list.push(pid);
    else children.set(ppid, [pid]);
  }
  return children;
}

/** Every descendant of `root`, parents before children (`children`: reuse one scan for many roots). */
export function descendants(root: number, children = childrenMap()): number[] {
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

/** Memory of a process or a tree, in bytes. */
export interface Memory {
  /** Resident pages, shared ones counted in full for every process (overcounts a tree). */
  rss: number;
  /** Proportional: each shared page split between the processes mapping it. Sums correctly. */
  pss: number;
  /** Pages only this process maps: what stopping it gives back. */
  private: number;
}

const ROLLUP_FIELDS = /^(Rss|Pss|Private_Clean|Private_Dirty):\s+(\d+) kB$/gm;

/**
 * One process's memory from /proc/PID/smaps_rollup; falls back to VmRSS (for all three) where the
 * rollup cannot be read (another user's process, an old kernel). Zeros for a process that is gone.
 */
export function processMemory(pid: number): Memory {
  try {
    const text = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
    const m: Memory = { rss: 0, pss: 0, private: 0 };
    for (const [, key, kb] of text.matchAll(ROLLUP_FIELDS)) {
      const bytes = Number(kb) * 1024;
      if (key === "Rss") m.rss = bytes;
      else if (key === "Pss") m.pss = bytes;
      else m.private += bytes;
    }
    return m;
  } catch {
    const rss = rssBytes(pid);
    return { rss, pss: rss, private: rss };
  }
}

/** `root` and all its descendants together (`children`: reuse one /proc scan for many roots). */
export function treeMemory(root: number, children = childrenMap()): Memory {
  const total: Memory = { rss: 0, pss: 0, private: 0 };
  for (const pid of [root, ...descendants(root, children)]) {
    const m = processMemory(pid);
    total.rss += m.rss;
    total.pss += m.pss;
    total.private += m.private;
  }
  return total;
}

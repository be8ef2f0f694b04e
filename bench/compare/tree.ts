/**
 * A product's whole process tree as bench/compare.ts counts it: its root processes (octo: the server
 * and its runner, which lives apart from the server; opencode: its one server process) and every
 * live descendant. CPU, RSS and PSS are summed over the tree.
 */
import { readFileSync } from "node:fs";
import { cpuMsPrecise, descendants, rssMb } from "../stream/procs.ts";

export function treePids(roots: number[]): number[] {
  const all = new Set<number>();
  for (const root of roots) {
    all.add(root);
    for (const d of descendants(root)) all.add(d.pid);
  }
  return [...all];
}

const alive = <T>(read: () => T, otherwise: T): T => {
  try {
    return read();
  } catch {
    return otherwise; // gone meanwhile
  }
};

/** Proportional set size in MB: shared pages divided among the processes that map them. */
export function pssMb(pid: number): number {
  return alive(() => {
    const m = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8").match(/^Pss:\s+(\d+) kB/m);
    return m ? Number(m[1]) / 1024 : 0;
  }, 0);
}

export interface TreeMemory {
  rss: number;
  pss: number;
  processes: number;
}

export function treeMemory(roots: number[]): TreeMemory {
  const pids = treePids(roots);
  let rss = 0;
  let pss = 0;
  for (const pid of pids) {
    rss += alive(() => rssMb(pid), 0);
    pss += pssMb(pid);
  }
  return { rss, pss, processes: pids.length };
}

/** CPU (ms) of each process of the tree now, to subtract later. */
export function treeCpu(roots: number[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const pid of treePids(roots))
    out.set(
      pid,
      alive(() => cpuMsPrecise(pid), 0),
    );
  return out;
}

/** CPU used by the tree since `before` (processes born since count whole; ones gone since, not at all). */
export function treeCpuSince(roots: number[], before: Map<number, number>): number {
  let ms = 0;
  for (const [pid, now] of treeCpu(roots)) ms += now - (before.get(pid) ?? 0);
  return ms;
}

/**
 * Samples the tree's summed RSS every `everyMs` until stopped; returns the peak. The process list is
 * refreshed once a second (walking /proc is the costly part).
 */
export function peakRss(roots: number[], everyMs = 250): { stop(): number } {
  let pids = treePids(roots);
  let listed = performance.now();
  let peak = 0;
  const sample = () => {
    if (performance.now() - listed > 1000) {
      pids = treePids(roots);
      listed = performance.now();
    }
    let sum = 0;
    for (const pid of pids) sum += alive(() => rssMb(pid), 0);
    peak = Math.max(peak, sum);
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return peak;
    },
  };
}

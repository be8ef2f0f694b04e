/** What a benchmark reads from /proc about a process: CPU time, resident memory, descendants. */
import { readdirSync, readFileSync } from "node:fs";
import { loadavg } from "node:os";

const CLK_TCK = 100;

/** Fields after the command name in /proc/PID/stat (state is [0], utime [11], stime [12]). */
function statFields(pid: number): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
}

/** User + system CPU of all the process's threads, in ms (10 ms ticks). */
export function cpuMs(pid: number): number {
  const f = statFields(pid);
  return ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK;
}

/** Same, summed from each thread's schedstat (nanoseconds on CPU): finer than ticks. */
export function cpuMsPrecise(pid: number): number {
  let ns = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
    } catch {
      // thread gone meanwhile
    }
  }
  return ns / 1e6;
}

/** Time the process's threads were runnable but waiting for a CPU (schedstat's second field), in ms. */
export function runQueueMs(pid: number): number {
  let ns = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[1]);
    } catch {
      // thread gone meanwhile
    }
  }
  return ns / 1e6;
}

/** Write-type system calls so far (write, pwrite64, writev…; /proc/PID/io `syscw`), or NaN if unreadable. */
export function writeCalls(pid: number): number {
  try {
    const m = readFileSync(`/proc/${pid}/io`, "utf8").match(/^syscw:\s+(\d+)/m);
    return m ? Number(m[1]) : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** Peak RSS (VmHWM) in MB. */
export function peakRssMb(pid: number): number {
  const m = readFileSync(`/proc/${pid}/status`, "utf8").match(/VmHWM:\s+(\d+) kB/);
  return m ? Number(m[1]) / 1024 : 0;
}

/** VmRSS in MB. */
export function rssMb(pid: number): number {
  const m = readFileSync(`/proc/${pid}/status`, "utf8").match(/VmRSS:\s+(\d+) kB/);
  return m ? Number(m[1]) / 1024 : 0;
}

/**
 * Memory only this process holds (private pages, MB). RSS also counts pages of the runtime binary
 * that every Bun process maps and shares: ~35 MB of an octo-sandbox wrapper's ~40 MB RSS.
 */
export function privateMb(pid: number): number {
  try {
    const t = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
    const kb = (k: string) => Number(t.match(new RegExp(`^${k}:\\s+(\\d+) kB`, "m"))?.[1] ?? 0);
    return (kb("Private_Dirty") + kb("Private_Clean")) / 1024;
  } catch {
    return 0;
  }
}

/** Every live descendant of `root` with its command line. */
export function descendants(root: number): { pid: number; cmd: string }[] {
  const parent = new Map<number, number>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      parent.set(Number(name), Number(statFields(Number(name))[1]));
    } catch {
      // gone meanwhile
    }
  }
  const out: { pid: number; cmd: string }[] = [];
  for (const pid of parent.keys()) {
    for (let cur = parent.get(pid); cur && cur > 1; cur = parent.get(cur)) {
      if (cur !== root) continue;
      try {
        out.push({ pid, cmd: readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ") });
      } catch {
        // gone meanwhile
      }
      break;
    }
  }
  return out;
}

export const load = (): string =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");

/**
 * Count system calls of a process (all its threads) with `strace -c` until the returned function is
 * called. strace slows what it traces: use it for counts, not for CPU or latency figures.
 */
export async function countSyscalls(
  pid: number,
  names: string[],
): Promise<() => Promise<Record<string, number>>> {
  const tids = readdirSync(`/proc/${pid}/task`);
  const p = Bun.spawn(["strace", "-c", "-e", `trace=${names.join(",")}`, ...tids.flatMap((t) => ["-p", t])], {
    stdout: "ignore",
    stderr: "pipe",
  });
  const text = new Response(p.stderr).text();
  // strace says nothing when attached: give it a moment (a bench, not a test).
  await new Promise((r) => setTimeout(r, 500));
  return async () => {
    p.kill("SIGINT");
    const out: Record<string, number> = {};
    for (const line of (await text).split("\n")) {
      const cols = line.trim().split(/\s+/);
      const name = cols.at(-1) ?? "";
      if (names.includes(name)) out[name] = Number(cols[3]);
    }
    for (const n of names) out[n] ??= 0;
    return out;
  };
}

/**
 * Cold agent starts (issue 13, decision 0034), run by hand: `bun bench/coldstart.ts [--runs N]`.
 * No spare agents (warm_agents = 0) and a 5 s idle timeout. For N sessions in turn: create → first
 * `session.state` (pi started cold and ready); a prompt → first delta on the running agent; then,
 * once the server has reaped it (`agent.stopped`), a prompt → first delta on the revived agent
 * (pi restarted with `--continue`). Also the processes one idle session keeps (RSS, private).
 * Prints the load beside every figure; run it from two checkouts in turn to compare branches.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { descendants, load, privateMb, rssMb } from "./stream/procs.ts";
import { f1, median, spread } from "./stream/stats.ts";

const { values } = parseArgs({ options: { runs: { type: "string", default: "5" } } });
const RUNS = Number(values.runs);
process.env.BENCH_IDLE_TIMEOUT = "5s";
process.env.BENCH_WARM_AGENTS = "0";
const { startWorld } = await import("./stream/world.ts");

const w = await startWorld();
console.log(`# bench/coldstart — ${new Date().toISOString()}, bun ${Bun.version}, cwd ${process.cwd()}`);
/**
 * CPU (user + system, ms) of the runner and everything below it, living or reaped: the runner's own
 * and its waited-for children's, plus each live descendant's own and its waited-for children's.
 * Independent of load, unlike the wall-clock figures.
 */
function treeCpuMs(root: number): number {
  const ticks = (pid: number) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      return Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
    } catch {
      return 0;
    }
  };
  return [root, ...descendants(root).map((p) => p.pid)].reduce((sum, pid) => sum + ticks(pid), 0) * 10;
}

const ready: number[] = [];
const startCpu: number[] = [];
const reviveCpu: number[] = [];
const warm: number[] = [];
const revived: number[] = [];
const perProcess = new Map<string, { rss: number[]; own: number[] }>();
const kind = (cmd: string) => {
  const program = cmd.split(" ")[0] ?? "?";
  if (program.endsWith("/bwrap")) return "bwrap";
  if (cmd.includes("sandbox/main.ts") || program.endsWith("octo-sandbox")) return "octo-sandbox";
  if (cmd.includes("cli.js")) return "pi";
  return program;
};
try {
  for (let i = 0; i < RUNS; i++) {
    const tab = await w.socket();
    const cpu0 = treeCpuMs(w.runnerPid());
    const t0 = performance.now();
    const { session_id } = await tab.ok<{ session_id: string }>("session.create", {
      project_id: w.projectId,
    });
    await tab.ok("session.subscribe", { session_id, after_seq: 0 });
    const log = tab.log(session_id);
    await tab.waitFor(session_id, "session.state", () => log.find("session.state") >= 0, 300_000);
    ready.push(performance.now() - t0);
    startCpu.push(treeCpuMs(w.runnerPid()) - cpu0);
    if (i === RUNS - 1)
      for (const p of descendants(w.runnerPid())) {
        const e = perProcess.get(kind(p.cmd)) ?? { rss: [], own: [] };
        e.rss.push(rssMb(p.pid));
        e.own.push(privateMb(p.pid));
        perProcess.set(kind(p.cmd), e);
      }
    const deltas = () => log.events.filter((e) => e === "stream.text_delta").length;
    for (const [label, out] of [
      ["warm", warm],
      ["revived", revived],
    ] as const) {
      if (label === "revived")
        await tab.waitFor(session_id, "agent.stopped", () => log.find("agent.stopped") >= 0, 120_000);
      const before = deltas();
      const c0 = treeCpuMs(w.runnerPid());
      const p0 = performance.now();
      await tab.ok("prompt", { session_id, message: "hello", client_id: `${label}-${i}` });
      await tab.waitFor(session_id, `${label} first delta`, () => deltas() > before, 120_000);
      out.push(performance.now() - p0);
      if (label === "revived") reviveCpu.push(treeCpuMs(w.runnerPid()) - c0);
      await tab.waitIdle(session_id, label === "warm" ? 1 : 2);
    }
    await tab.ok("session.delete", { session_id });
    await tab.close();
    console.log(
      `  run ${i + 1}: ready ${f1(ready[i] as number)} ms (runner tree CPU ${startCpu[i]} ms), warm ${f1(warm[i] as number)} ms, revived ${f1(revived[i] as number)} ms (CPU ${reviveCpu[i]} ms); load ${load()}`,
    );
  }
  console.log(`create → session.state (cold pi ready): ${spread(ready)} ms`);
  console.log(`  CPU of the runner and its tree for that start: ${spread(startCpu, (x) => x.toFixed(0))} ms`);
  console.log(`prompt → first delta, running agent: ${spread(warm)} ms`);
  console.log(`prompt → first delta, reaped agent (revived): ${spread(revived)} ms`);
  console.log(
    `  CPU of the runner and its tree for that revival: ${spread(reviveCpu, (x) => x.toFixed(0))} ms`,
  );
  for (const [name, e] of perProcess)
    console.log(
      `  per-session process ${name}: ${f1(median(e.rss))} MB RSS, ${f1(median(e.own))} MB private (n=${e.rss.length})`,
    );
  console.log(`done; load ${load()}`);
} finally {
  await w.stop();
}

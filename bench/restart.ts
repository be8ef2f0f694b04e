#!/usr/bin/env bun
/**
 * Server restarts while an agent streams: `octo serve` (from source, as its own process) is stopped
 * with SIGTERM or killed with SIGKILL mid-answer and started again. Prints, per signal, signal →
 * exit and exit → first 200 on /api/health (medians and maxima), and checks that each answer still
 * arrived whole. `bun bench/restart.ts [--runs N]` (N per signal, default 5).
 * Writes bench/results/restart.json; never asserts: this is a report.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startProcessWorld } from "../test/llm/process-world.ts";
import { AgentTab, createProject } from "../test/sessions/harness.ts";

const { values } = parseArgs({ args: Bun.argv.slice(2), options: { runs: { type: "string" } } });
const RUNS = Number(values.runs ?? 5);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const w = await startProcessWorld();
const figures: { signal: string; exitMs: number; backMs: number; whole: boolean }[] = [];
try {
  const projectId = await createProject(await w.login(), "Bench");
  for (let i = 0; i < RUNS * 2; i++) {
    const signal = i % 2 === 0 ? "SIGTERM" : "SIGKILL";
    const tab = await AgentTab.open(w.url, (await w.login()).cookie);
    const { session_id: s } = await tab.ok<{ session_id: string }>("session.create", {
      project_id: projectId,
    });
    await tab.ok("session.subscribe", { session_id: s });
    await tab.waitEvent(s, (f) => f.event === "session.state", "pi started", 120_000);
    const text = Array.from({ length: 30 }, (_, n) => `w${n} `).join("");
    w.fx.enqueue([{ text, chunks: 30, delayMs: 100 }]);
    await tab.ok("prompt", { session_id: s, message: "go", client_id: `b-${i}` });
    await tab.mux.waitFor("first delta", () => tab.text(s).length > 0, 60_000);
    const { signalledAt, exitedAt } = await w.kill(signal);
    const { readyAt } = await w.start();
    const before = tab.events(s);
    const after = await AgentTab.open(w.url, (await w.login()).cookie);
    await after.ok("session.subscribe", { session_id: s, after_seq: before.at(-1)?.seq ?? 0 });
    await after.waitIdle(s, 1, 120_000);
    const whole = tab.text(s) + after.text(s) === text;
    figures.push({ signal, exitMs: exitedAt - signalledAt, backMs: readyAt - exitedAt, whole });
    await after.close();
  }
} finally {
  await w.stop();
}

const load = loadavg()[0]?.toFixed(1);
console.log(`server restarts mid-answer, ${RUNS} per signal, load average ${load}`);
for (const signal of ["SIGTERM", "SIGKILL"]) {
  const of = figures.filter((f) => f.signal === signal);
  const exit = of.map((f) => f.exitMs);
  const back = of.map((f) => f.backMs);
  console.log(
    `${signal}: signal → exit median ${median(exit).toFixed(0)} ms (max ${Math.max(...exit).toFixed(0)}); ` +
      `exit → first 200 median ${median(back).toFixed(0)} ms (max ${Math.max(...back).toFixed(0)}); ` +
      `answers whole ${of.filter((f) => f.whole).length}/${of.length}`,
  );
}
const dir = join(import.meta.dir, "results");
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, "restart.json"), JSON.stringify({ load, figures }, null, 2));

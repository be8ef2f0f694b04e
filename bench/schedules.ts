/**
 * Schedule firing accuracy on the real clock: N schedules with a seconds-level cron (`* * * * * *`,
 * all due on the same second) fire for D seconds; lateness = when each run was started − when it was
 * due. The scheduler, its database writes and the hub are real; the conversation is the stand-in
 * agent that ends its turn at once (starting pi is measured elsewhere: bench/restart.ts, startup).
 *
 *   bun bench/schedules.ts [--seconds 20] [--counts 1,100,1000]
 */
import { parseArgs } from "node:util";
import { systemClock } from "../src/schedules/clock.ts";
import { scheduleWorld } from "../src/schedules/test-world.ts";

const { values } = parseArgs({
  options: { seconds: { type: "string", default: "20" }, counts: { type: "string", default: "1,100,1000" } },
});
const seconds = Number(values.seconds);
const counts = String(values.counts).split(",").map(Number);

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

console.log(
  `firing accuracy, ${seconds} s per row, load ${(await Bun.file("/proc/loadavg").text()).split(" ").slice(0, 3).join(" ")}`,
);
console.log("schedules  runs     p50 ms  p99 ms  max ms  skipped");
for (const n of counts) {
  const w = scheduleWorld(Date.now(), 3_600_000, systemClock);
  w.agents.autoFinish = true;
  for (let i = 0; i < n; i++) {
    const r = w.module.schedules.create(w.scope, {
      name: `s${i}`,
      prompt: "p",
      cron: "* * * * * *",
      timezone: "Europe/Berlin",
    });
    if (!r.ok) throw new Error(r.error.message);
  }
  w.module.start();
  const started = Date.now();
  await Bun.sleep(seconds * 1000);
  w.module.stop();
  await w.settle();
  const all = w.module.schedules.runs(w.scope, { limit: 1_000_000 });
  if (!all.ok) throw new Error(all.error.message);
  const late = all.value
    .filter((r) => r.outcome !== "skipped" && r.started_at !== null && r.due_at >= started)
    .map((r) => (r.started_at as number) - r.due_at)
    .sort((a, b) => a - b);
  const skipped = all.value.filter((r) => r.outcome === "skipped").length;
  console.log(
    `${String(n).padEnd(10)} ${String(late.length).padEnd(8)} ${String(pct(late, 50)).padEnd(7)} ${String(pct(late, 99)).padEnd(7)} ${String(late.at(-1) ?? 0).padEnd(7)} ${skipped}`,
  );
  w.close();
}

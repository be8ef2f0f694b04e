/**
 * Checkpoint cost (issue 16): a project of 10k files / 200 MB where a turn changed 3 files.
 * Target: ≤ 100 ms and ≤ 1 MB of store growth per checkpoint. Also the first (cold) checkpoint, a
 * restore of that turn, and a diff listing. Runs the store in process (what the runner runs).
 *
 *   bun bench/checkpoints.ts [--files 10000] [--mb 200] [--turns 10]
 */
import { execSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    files: { type: "string", default: "10000" },
    mb: { type: "string", default: "200" },
    turns: { type: "string", default: "10" },
  },
});
const files = Number(values.files);
const bytes = Number(values.mb) * 1024 * 1024;
const turns = Number(values.turns);

const root = mkdtempSync(join(tmpdir(), "octo-bench-cp-"));
process.env.XDG_STATE_HOME = join(root, "state");
const { CheckpointStore } = await import("../runner/review/store.ts");
const { ReviewRoute } = await import("../runner/review-route.ts");
const ws = join(root, "ws");
const project = join(ws, "proj");
const per = Math.floor(bytes / files);
console.log(`making ${files} files of ${per} bytes (${(bytes / 1048576).toFixed(0)} MB) …`);
for (let i = 0; i < files; i++) {
  const dir = join(project, `d${Math.floor(i / 100)}`);
  if (i % 100 === 0) mkdirSync(dir, { recursive: true });
  // Text with varied content: each file its own blob (no accidental deduplication).
  const line = `file ${i} ${"x".repeat(60)}\n`;
  writeFileSync(join(dir, `f${i}.txt`), line.repeat(Math.ceil(per / line.length)).slice(0, per));
}
const du = (p: string) => Number(execSync(`du -sb ${p}`).toString().split("\t")[0]);
const store = new CheckpointStore(project);
let t0 = performance.now();
await store.take("turn", { session: "ses_bench", client_id: "c0" });
const cold = performance.now() - t0;
console.log(`cold checkpoint: ${cold.toFixed(0)} ms, store ${(du(store.dir) / 1048576).toFixed(1)} MB`);
// Warm the stat cache once more (git's racy-timestamp check re-reads files written this second).
await store.take("manual");
const times: number[] = [];
const growth: number[] = [];
for (let turn = 1; turn <= turns; turn++) {
  for (let k = 0; k < 3; k++) {
    const i = (turn * 37 + k * 1013) % files;
    writeFileSync(
      join(project, `d${Math.floor(i / 100)}`, `f${i}.txt`),
      `changed in turn ${turn}\n`.repeat(200),
    );
  }
  const before = du(store.dir);
  t0 = performance.now();
  await store.take("turn", { session: "ses_bench", client_id: `c${turn}` });
  times.push(performance.now() - t0);
  growth.push(du(store.dir) - before);
}
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)] ?? 0;
console.log(
  `checkpoint after a 3-file turn: median ${median(times).toFixed(1)} ms (min ${Math.min(...times).toFixed(1)}, max ${Math.max(...times).toFixed(1)})`,
);
console.log(
  `store growth per checkpoint: median ${(median(growth) / 1024).toFixed(1)} KB (max ${(Math.max(...growth) / 1024).toFixed(1)} KB)`,
);
t0 = performance.now();
const changes = await ReviewRoute.handle(ws, {
  op: "review.changes",
  project: "proj",
  base: { kind: "session", session: `ses_${"0".repeat(28)}` },
});
void changes;
const list = await ReviewRoute.handle(ws, { op: "review.checkpoints", project: "proj" });
const cps = (list as { value: { checkpoints: { id: string }[] } }).value.checkpoints;
t0 = performance.now();
const r = await ReviewRoute.handle(ws, {
  op: "review.restore",
  project: "proj",
  target: { kind: "checkpoint", id: cps[0]?.id },
});
console.log(
  `restore of ${turns * 3} changed files (incl. its own checkpoint): ${(performance.now() - t0).toFixed(0)} ms (${r.ok ? "ok" : JSON.stringify(r)})`,
);
console.log(`load average: ${execSync("cat /proc/loadavg").toString().trim()}`);
rmSync(root, { recursive: true, force: true });

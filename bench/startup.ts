#!/usr/bin/env bun
/**
 * Cold start of the compiled `octo`: process spawn → first 200 on /api/health and on /, and idle RSS.
 * Median of several runs. `bun bench/startup.ts [--runs N] [--no-build]`; builds dist/ first if stale
 * (--no-build: time the dist/bin/octo that is there).
 * Prints numbers (and writes bench/results/startup.json); never asserts: this is a report.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { bin, ensureBuilt, ROOT } from "../test/build/built.ts";
import { stopDetachedRunner } from "../test/build/process.ts";

const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: { runs: { type: "string" }, "no-build": { type: "boolean" } },
});
const RUNS = Number(values.runs ?? 9);
const TARGET_MS = 60;
const TARGET_MB = 60;

function freePort(): number {
  const s = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = s.port;
  s.stop(true);
  return port;
}

const rssMb = (pid: number): number => {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
  return Number(kb) / 1024;
};

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

/** Spawns octo and polls `path` with no delay between attempts; returns ms to the first 200. */
async function startAndTime(home: string, path: string, measureRss: boolean) {
  const port = freePort();
  const t0 = performance.now();
  const proc = Bun.spawn([bin("octo"), "serve", "--port", String(port)], {
    cwd: home,
    env: { HOME: home, XDG_RUNTIME_DIR: join(home, "run"), PATH: "/usr/bin:/bin" },
    stdout: "ignore",
    stderr: "ignore",
  });
  let ms = Number.NaN;
  for (;;) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}${path}`);
      await res.arrayBuffer();
      if (res.status === 200) {
        ms = performance.now() - t0;
        break;
      }
    } catch {
      // not listening yet
    }
    if (performance.now() - t0 > 10_000) break;
  }
  let rss = Number.NaN;
  if (measureRss) {
    await Bun.sleep(1000); // idle: let start-up garbage settle (a benchmark, not a test)
    rss = rssMb(proc.pid);
  }
  proc.kill("SIGTERM");
  await proc.exited;
  return { ms, rss };
}

if (!values["no-build"]) await ensureBuilt();
const home = mkdtempSync(join(tmpdir(), "octo-bench-"));
// Its own runtime dir: the single-user runner the first start launches is reused by the later ones.
mkdirSync(join(home, "run"), { mode: 0o700 });
// The very first start creates the database and the first admin (argon2id): reported on its own.
const first = await startAndTime(home, "/api/health", false);

const health: number[] = [];
const index: number[] = [];
const rss: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const h = await startAndTime(home, "/api/health", true);
  health.push(h.ms);
  rss.push(h.rss);
  index.push((await startAndTime(home, "/", false)).ms);
}
await stopDetachedRunner(join(home, "run"));
rmSync(home, { recursive: true, force: true });

const result = {
  date: new Date().toISOString(),
  bun: Bun.version,
  cpus: cpus().length,
  loadavg: loadavg().map((x) => Number(x.toFixed(2))),
  runs: RUNS,
  first_start_ms: Number(first.ms.toFixed(1)),
  health_ms: { median: Number(median(health).toFixed(1)), min: Number(Math.min(...health).toFixed(1)) },
  index_ms: { median: Number(median(index).toFixed(1)), min: Number(Math.min(...index).toFixed(1)) },
  idle_rss_mb: { median: Number(median(rss).toFixed(1)), max: Number(Math.max(...rss).toFixed(1)) },
  binary_mb: Number((Bun.file(bin("octo")).size / 1048576).toFixed(1)),
};
mkdirSync(join(ROOT, "bench", "results"), { recursive: true });
writeFileSync(join(ROOT, "bench", "results", "startup.json"), `${JSON.stringify(result, null, 2)}\n`);

const mark = (ok: boolean) => (ok ? "ok" : "OVER TARGET");
console.log(
  `octo cold start, compiled (${RUNS} runs, ${result.cpus} cpus, load ${result.loadavg.join(" ")})`,
);
console.log(`  first start (creates db + admin)  ${result.first_start_ms} ms`);
console.log(
  `  spawn → 200 /api/health   median ${result.health_ms.median} ms (min ${result.health_ms.min})  target ≤ ${TARGET_MS}: ${mark(result.health_ms.median <= TARGET_MS)}`,
);
console.log(
  `  spawn → 200 /             median ${result.index_ms.median} ms (min ${result.index_ms.min})  target ≤ ${TARGET_MS}: ${mark(result.index_ms.median <= TARGET_MS)}`,
);
console.log(
  `  idle RSS                  median ${result.idle_rss_mb.median} MB (max ${result.idle_rss_mb.max})  target ≤ ${TARGET_MB}: ${mark(result.idle_rss_mb.median <= TARGET_MB)}`,
);
console.log(`  binary size               ${result.binary_mb} MB`);

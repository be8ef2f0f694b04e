#!/usr/bin/env bun
/**
 * What a release weighs and what its one-binary layout costs at start: tarball and unpacked sizes,
 * then each program name's start (spawn → exit of a trivial command) and peak RSS, median of N runs.
 * `bun bench/release.ts [--runs N]`; builds the release first if stale. A report: asserts nothing.
 */
import { lstatSync, readdirSync, statSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { bin, DIST, ensureRelease } from "../test/build/built.ts";

const { values } = parseArgs({ args: Bun.argv.slice(2), options: { runs: { type: "string" } } });
const RUNS = Number(values.runs ?? 21);
const MB = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

/** Bytes under dir, each file once (symlinks count as links, not as what they point at). */
function bytesUnder(dir: string): number {
  let total = 0;
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    const st = lstatSync(join(dir, name));
    if (st.isFile()) total += st.size;
  }
  return total;
}

const release = await ensureRelease();
console.log(`load average ${loadavg()[0]?.toFixed(1)}`);
console.log(`tarball        ${MB(statSync(release.tarball).size)}  ${release.tarball}`);
console.log(
  `bin/ unpacked  ${MB(bytesUnder(join(DIST, "bin")))}  (octo; octoctl, octo-runner, octo-sandbox are links)`,
);
console.log(`lib/ unpacked  ${MB(bytesUnder(join(DIST, "lib")))}  (pi and its dependencies)`);

const programs: [string, string[], Record<string, string>][] = [
  [bin("octo"), ["version"], {}],
  [bin("octo-sandbox"), ["profiles"], {}],
  [bin("octo-runner"), ["--help"], {}],
  [bin("octo-runner"), ["-e", "1"], { BUN_BE_BUN: "1" }],
];
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
for (const [path, args, env] of programs) {
  const ms: number[] = [];
  const rss: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    const p = Bun.spawn([path, ...args], {
      env: { ...process.env, ...env },
      stdout: "ignore",
      stderr: "ignore",
    });
    await p.exited;
    ms.push(performance.now() - t);
    rss.push(p.resourceUsage()?.maxRSS ?? 0);
  }
  const label = `${Object.keys(env).length ? "BUN_BE_BUN=1 " : ""}${path.split("/").pop()} ${args.join(" ")}`;
  console.log(
    `${label.padEnd(32)} median ${median(ms).toFixed(1)} ms, peak RSS ${(median(rss) / 1048576).toFixed(1)} MB`,
  );
}

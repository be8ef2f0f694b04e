#!/usr/bin/env bun
/**
 * Where a test group's time goes: `bun bench/test-time.ts test/ui [test/sessions …]` runs each named
 * group the way `bun run test` does (one `bun test` per group, same per-test timeout), one group at a
 * time, notes when each line of its output arrived, and prints per file: its wall time (from its
 * header to the next file's), the sum of its tests' own times, and the rest (beforeAll/afterAll and
 * what bun does not attribute to a test), slowest first. Also the group's wall time, the CPU time of
 * `bun test` and the children it reaped (Chromium, vite; not the detached runner and its agents), and
 * the load average before and after — timings on a shared machine mean little without it.
 */
import { loadavg } from "node:os";
import { join } from "node:path";
import { findTestFiles, groupOf, parseSummary } from "../test/run.ts";

const ROOT = join(import.meta.dir, "..");
const PER_TEST_TIMEOUT_MS = 60_000;

interface FileTime {
  file: string;
  start: number;
  end: number;
  tests: number;
  count: number;
}

/** Per-file spans from timestamped `bun test` output lines. */
export function fileTimes(lines: { at: number; text: string }[]): FileTime[] {
  const files: FileTime[] = [];
  for (const { at, text } of lines) {
    const header = text.match(/^(\S+\.test\.tsx?):$/);
    if (header) {
      const last = files.at(-1);
      if (last) last.end = at;
      files.push({ file: header[1] as string, start: at, end: at, tests: 0, count: 0 });
      continue;
    }
    const last = files.at(-1);
    if (!last) continue;
    const result = text.match(/^\((?:pass|fail|skip|todo)\) .* \[([0-9.]+)(ms|s)\]$/);
    if (result) {
      last.tests += Number(result[1]) / (result[2] === "s" ? 1 : 1000);
      last.count++;
    }
    if (/^\s*\d+ pass$/.test(text)) last.end = at;
  }
  return files;
}

async function timeGroup(name: string, files: string[]) {
  const load = loadavg().map((l) => l.toFixed(1));
  const started = performance.now();
  const proc = Bun.spawn(
    [process.execPath, "test", "--timeout", String(PER_TEST_TIMEOUT_MS), ...files.map((f) => `./${f}`)],
    { cwd: ROOT, stdout: "pipe", stderr: "pipe", env: process.env },
  );
  const lines: { at: number; text: string }[] = [];
  const read = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    let rest = "";
    for await (const chunk of stream) {
      const at = (performance.now() - started) / 1000;
      const parts = (rest + decoder.decode(chunk, { stream: true })).split("\n");
      rest = parts.pop() ?? "";
      for (const text of parts) lines.push({ at, text });
    }
    if (rest) lines.push({ at: (performance.now() - started) / 1000, text: rest });
  };
  await Promise.all([read(proc.stdout), read(proc.stderr)]);
  await proc.exited;
  const wall = (performance.now() - started) / 1000;
  const usage = proc.resourceUsage();
  const cpu = usage ? Number(usage.cpuTime.user + usage.cpuTime.system) / 1e6 : Number.NaN;
  const counts = parseSummary(lines.map((l) => l.text).join("\n"));
  const rows = fileTimes(lines).sort((a, b) => b.end - b.start - (a.end - a.start));
  console.log(
    `\n${name}: ${files.length} files, ${wall.toFixed(1)} s wall, ${cpu.toFixed(1)} s CPU (bun test + reaped children)`,
  );
  console.log(
    `  ${counts ? `${counts.pass} passed, ${counts.fail} failed` : "no summary"}; load ${load.join(" ")} before, ${loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")} after`,
  );
  console.log(
    `  ${"file".padEnd(46)} ${"wall s".padStart(7)} ${"tests s".padStart(8)} ${"rest s".padStart(7)}  tests`,
  );
  for (const r of rows)
    console.log(
      `  ${r.file.padEnd(46)} ${(r.end - r.start).toFixed(1).padStart(7)} ${r.tests.toFixed(1).padStart(8)} ${(r.end - r.start - r.tests).toFixed(1).padStart(7)}  ${r.count}`,
    );
}

if (import.meta.main) {
  const wanted = process.argv.slice(2);
  if (wanted.length === 0) {
    console.error("usage: bun bench/test-time.ts GROUP… (unit, ui, test/ui, test/sessions, …)");
    process.exit(2);
  }
  const groups = new Map<string, string[]>();
  for (const file of await findTestFiles(ROOT))
    groups.set(groupOf(file), [...(groups.get(groupOf(file)) ?? []), file]);
  for (const name of wanted) {
    const files = groups.get(name);
    if (!files) {
      console.error(`no group ${name}; groups: ${[...groups.keys()].sort().join(", ")}`);
      process.exit(2);
    }
    await timeGroup(name, files);
  }
}

#!/usr/bin/env bun
/**
 * `bun run test [filter…]`: runs every test file with `bun test`, one invocation per group so a crash
 * or a hung server in one area cannot take the others down, then prints one last line with the real
 * totals: `N passed, N failed[, N skipped]`. Exits non-zero if anything failed.
 *
 * Groups: pure-logic tests beside the code (src/, runner/, …) form `unit`; `ui/` is its own group;
 * each folder under test/ (build, install, sandbox, …) is a group. A filter argument keeps only the
 * groups or files whose path starts with it: `bun run test test/build src/config`.
 */
import { join, relative } from "node:path";

const ROOT = join(import.meta.dir, "..");
/** A group that prints no summary within this time is killed and counted as one failure. */
const GROUP_TIMEOUT_MS = 15 * 60_000;
/** Per-test limit unless a test file sets its own. */
const PER_TEST_TIMEOUT_MS = 60_000;

interface Counts {
  pass: number;
  fail: number;
  skip: number;
  todo: number;
}

export function groupOf(file: string): string {
  const parts = file.split("/");
  if (parts[0] === "test" && parts.length > 2) return `test/${parts[1]}`;
  if (parts[0] === "ui") return "ui";
  return "unit";
}

export async function findTestFiles(root: string): Promise<string[]> {
  const files: string[] = [];
  for await (const file of new Bun.Glob("**/*.test.{ts,tsx}").scan({ cwd: root })) {
    if (/(^|\/)(node_modules|dist|\.artifacts)\//.test(file)) continue;
    files.push(file);
  }
  return files.sort();
}

/** Reads bun test's summary block (` 3 pass`, ` 1 fail`, …). Undefined when there is none (a crash). */
export function parseSummary(output: string): Counts | undefined {
  const count = (word: string) => {
    const all = [...output.matchAll(new RegExp(`^\\s*(\\d+) ${word}$`, "gm"))];
    const last = all[all.length - 1];
    return last ? Number(last[1]) : undefined;
  };
  const pass = count("pass");
  const fail = count("fail");
  if (pass === undefined && fail === undefined) return undefined;
  return { pass: pass ?? 0, fail: fail ?? 0, skip: count("skip") ?? 0, todo: count("todo") ?? 0 };
}

async function pump(stream: ReadableStream<Uint8Array>, out: NodeJS.WriteStream, sink: string[]) {
  const decoder = new TextDecoder();
  for await (const chunk of stream) {
    out.write(chunk);
    sink.push(decoder.decode(chunk, { stream: true }));
  }
}

async function runGroup(name: string, files: string[]): Promise<Counts> {
  console.log(`\n=== ${name} (${files.length} file${files.length === 1 ? "" : "s"}) ===`);
  const started = performance.now();
  // bunfig's [test] timeout is not applied by this Bun; pass it here. Integration tests that start
  // servers, runners, sandboxes and pi need more than bun's 5 s default on a loaded 2-core machine.
  const args = ["test", "--timeout", String(PER_TEST_TIMEOUT_MS), ...files.map((f) => `./${f}`)];
  const proc = Bun.spawn([process.execPath, ...args], {
    cwd: ROOT,
    stdout: "pipe",
    stderr: "pipe",
    env: process.env,
  });
  const timer = setTimeout(() => proc.kill("SIGKILL"), GROUP_TIMEOUT_MS);
  const output: string[] = [];
  await Promise.all([pump(proc.stdout, process.stdout, output), pump(proc.stderr, process.stderr, output)]);
  const code = await proc.exited;
  clearTimeout(timer);
  const secs = ((performance.now() - started) / 1000).toFixed(1);
  const counts = parseSummary(output.join(""));
  if (!counts) {
    console.log(
      `=== ${name}: no test summary (exit ${code}${proc.signalCode ? `, ${proc.signalCode}` : ""}): counted as 1 failure [${secs}s]`,
    );
    return { pass: 0, fail: 1, skip: 0, todo: 0 };
  }
  // A non-zero exit with no failing test (an unhandled error between tests) is still a failure.
  if (code !== 0 && counts.fail === 0) counts.fail = 1;
  console.log(`=== ${name}: ${counts.pass} passed, ${counts.fail} failed, ${counts.skip} skipped [${secs}s]`);
  return counts;
}

export function summaryLine(total: Counts): string {
  const skipped = total.skip + total.todo;
  return `${total.pass} passed, ${total.fail} failed${skipped ? `, ${skipped} skipped` : ""}`;
}

if (import.meta.main) {
  const filters = process.argv.slice(2).map((f) => relative(ROOT, join(process.cwd(), f)));
  const all = await findTestFiles(ROOT);
  const wanted = filters.length ? all.filter((f) => filters.some((p) => f.startsWith(p))) : all;
  const groups = new Map<string, string[]>();
  for (const file of wanted) groups.set(groupOf(file), [...(groups.get(groupOf(file)) ?? []), file]);
  const order = [...groups.keys()].sort((a, b) =>
    a === "unit" ? -1 : b === "unit" ? 1 : a.localeCompare(b),
  );
  const total: Counts = { pass: 0, fail: 0, skip: 0, todo: 0 };
  const started = performance.now();
  for (const name of order) {
    const counts = await runGroup(name, groups.get(name) ?? []);
    total.pass += counts.pass;
    total.fail += counts.fail;
    total.skip += counts.skip;
    total.todo += counts.todo;
  }
  if (wanted.length === 0) {
    console.error(`no test files match ${filters.join(" ") || "(all)"}`);
    total.fail += 1;
  }
  console.log(`\ntests took ${((performance.now() - started) / 1000).toFixed(0)}s`);
  console.log(summaryLine(total));
  process.exit(total.fail > 0 ? 1 : 0);
}

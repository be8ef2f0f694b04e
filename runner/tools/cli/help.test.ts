import { expect, test } from "bun:test";
import { join } from "node:path";

const entry = join(import.meta.dir, "entry.ts");
const run = async (...args: string[]) => {
  const proc = Bun.spawn(["bun", entry, ...args], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { stdout, stderr, code };
};

test("help lists memory and task; help AREA explains the verbs", async () => {
  const all = await run("help");
  expect(all.stdout).toMatch(/^ {2}memory /m);
  expect(all.stdout).toMatch(/^ {2}task /m);
  expect((await run("help", "memory")).stdout).toContain("search QUERY [--limit N]");
  expect((await run("task", "--help")).stdout).toContain("list [--status S] [--ready]");
  expect(all.stdout).toMatch(/^ {2}canvas /m);
  expect((await run("help", "canvas")).stdout).toContain("publish FILE [--title T] [--kind K]");
});

test("schedule: help names propose; missing options fail with one line before anything is sent", async () => {
  expect((await run("help")).stdout).toMatch(/^ {2}schedule /m);
  expect((await run("schedule", "--help")).stdout).toContain("propose --name NAME --cron EXPR");
  const r = await run("schedule", "propose", "--name", "x", "--prompt", "p");
  expect([r.code, r.stderr]).toEqual([1, "octo-tool: bad_request: --cron is needed\n"]);
  const bad = await run("schedule", "delete");
  expect(bad.code).toBe(1);
});

test("bad usage fails with one line before anything is sent", async () => {
  const r = await run("task", "frobnicate");
  expect(r.code).toBe(1);
  expect(r.stderr).toBe(
    "octo-tool: bad_request: usage: octo-tool task add|list|show|update|comment|close|export|import ...\n",
  );
  const noSocket = await run("memory", "search", "x");
  expect(noSocket.stderr).toMatch(/^octo-tool: runner_unavailable: .*\n$/);
  expect((await run("memory", "add", "--colour", "red", "x")).stderr).toBe(
    "octo-tool: bad_request: unknown option --colour\n",
  );
});

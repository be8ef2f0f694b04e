import { afterAll, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { waitUntil } from "../runner/harness.ts";
import { runnerAt } from "./runner-harness.ts";

setDefaultTimeout(60_000);
const roots: string[] = [];
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

/** Every regular file under dir (relative path → content), skipping the .octo folder. */
function tree(dir: string, prefix = ""): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir)) {
    if (prefix === "" && name === ".octo") continue;
    const abs = join(dir, name);
    if (statSync(abs).isDirectory()) Object.assign(out, tree(abs, `${prefix}${name}/`));
    else out[`${prefix}${name}`] = readFileSync(abs, "utf8");
  }
  return out;
}

async function scenario(pauseAt: "staging" | "commit") {
  const root = mkdtempSync("/tmp/octo-review-crash-");
  roots.push(root);
  const pauseFile = join(root, "paused");
  const project = join(root, "octo", "proj");
  const first = await runnerAt(root, {
    OCTO_TEST_RESTORE_PAUSE: pauseFile,
    OCTO_TEST_RESTORE_PAUSE_AT: pauseAt,
  });
  for (let i = 0; i < 20; i++) writeFileSync(join(project, `f${i}.txt`), `old ${i}\n`);
  const cp = await first.client.review("review.checkpoint", { project: "proj" });
  if (!cp.ok) throw new Error(cp.error.message);
  const oldState = tree(project);
  for (let i = 0; i < 20; i++) {
    if (i % 3 === 0) rmSync(join(project, `f${i}.txt`));
    else writeFileSync(join(project, `f${i}.txt`), `new ${i}\n`);
  }
  for (let i = 0; i < 5; i++) writeFileSync(join(project, `added${i}.txt`), "added\n");
  const newState = tree(project);
  // The restore pauses at the hook; the runner is killed there.
  void first.client.review("review.restore", {
    project: "proj",
    target: { kind: "checkpoint", id: cp.value.id },
  });
  await waitUntil("the restore to pause", () => existsSync(pauseFile));
  await first.kill("SIGKILL");
  const midway = tree(project);
  const second = await runnerAt(root);
  const after = tree(project);
  await second.kill("SIGTERM");
  return { oldState, newState, midway, after };
}

test("a runner killed mid-restore (after the journal's commit) finishes the restore when it starts again", async () => {
  const { oldState, newState, midway, after } = await scenario("commit");
  // Killed half-way: neither state on disk yet …
  expect(midway).not.toEqual(oldState);
  expect(midway).not.toEqual(newState);
  // … and the next runner completes it: the whole checkpoint state, nothing mixed.
  expect(after).toEqual(oldState);
});

test("a runner killed while staging a restore leaves the files as they were", async () => {
  const { newState, midway, after } = await scenario("staging");
  expect(midway).toEqual(newState);
  expect(after).toEqual(newState);
});

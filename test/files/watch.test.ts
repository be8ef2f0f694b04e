import { afterEach, beforeEach, expect, test } from "bun:test";
import { appendFileSync, mkdirSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type ChangeBatch, type ProjectWatch, watchProject, writeFile } from "../../runner/fs/index.ts";
import type { FileChange } from "../../src/protocol/files.ts";
import { bytes, codeOf, makeWorkspace, must, type Sandbox, waitFor } from "./harness.ts";

let ws: Sandbox;
let watch: ProjectWatch | undefined;
const batches: ChangeBatch[] = [];
let wake = () => {};

beforeEach(() => {
  ws = makeWorkspace();
  batches.length = 0;
});
afterEach(() => {
  watch?.close();
  watch = undefined;
  ws.cleanup();
});

async function start(opts: Parameters<typeof watchProject>[3] = {}) {
  watch = must(
    await watchProject(
      ws.root,
      "p",
      (b) => {
        batches.push(b);
        wake();
      },
      { debounceMs: 30, ...opts },
    ),
  );
}

const changes = (): FileChange[] => batches.flatMap((b) => b.changes);
/** Waits until a change for `path` of `kind` has been reported. */
async function seen(path: string, kind: FileChange["kind"]) {
  const w = waitFor(`${kind} ${path}`, () => changes().find((c) => c.path === path && c.kind === kind));
  wake = w.wake;
  w.wake();
  return w.done;
}

test("create, modify and delete, with paths relative to the project", async () => {
  await start();
  mkdirSync(join(ws.project, "dir"));
  writeFileSync(join(ws.project, "dir", "a.txt"), "1");
  await seen("dir/a.txt", "created");
  expect(changes()).toContainEqual({ path: "dir", kind: "created" });
  batches.length = 0;
  appendFileSync(join(ws.project, "dir", "a.txt"), "2");
  await seen("dir/a.txt", "changed");
  unlinkSync(join(ws.project, "dir", "a.txt"));
  await seen("dir/a.txt", "deleted");
});

test("a burst of writes to one file is coalesced into one change per batch", async () => {
  await start({ debounceMs: 50 });
  for (let i = 0; i < 50; i++) appendFileSync(join(ws.project, "log.txt"), `${i}\n`);
  await seen("log.txt", "created");
  for (const b of batches) expect(b.changes.filter((c) => c.path === "log.txt")).toHaveLength(1);
  expect(batches.length).toBeLessThan(50);
});

test("node_modules, .git/objects and temp files of atomic writes are not reported", async () => {
  mkdirSync(join(ws.project, "node_modules"));
  mkdirSync(join(ws.project, ".git/objects"), { recursive: true });
  await start();
  writeFileSync(join(ws.project, "node_modules", "dep.js"), "x");
  writeFileSync(join(ws.project, ".git/objects", "ab"), "x");
  writeFileSync(join(ws.project, ".git", "HEAD"), "ref");
  must(await writeFile(ws.at("saved.txt"), bytes("atomic")));
  writeFileSync(join(ws.project, "sentinel"), "s");
  await seen("sentinel", "created");
  const paths = changes().map((c) => c.path);
  expect(paths).toContain(".git/HEAD");
  expect(paths).toContain("saved.txt");
  expect(
    paths.filter((p) => p.includes("node_modules") || p.includes("objects") || p.includes(".octo-tmp-")),
  ).toEqual([]);
});

test("node_modules on request", async () => {
  mkdirSync(join(ws.project, "node_modules"));
  await start({ includeNodeModules: true });
  writeFileSync(join(ws.project, "node_modules", "dep.js"), "x");
  await seen("node_modules/dep.js", "created");
});

test("a bounded batch says overflow instead of growing", async () => {
  await start({ maxBatch: 5, debounceMs: 100 });
  for (let i = 0; i < 40; i++) writeFileSync(join(ws.project, `f${i}`), "x");
  const w = waitFor("an overflow batch", () => batches.find((b) => b.overflow));
  wake = w.wake;
  w.wake();
  const overflowed = await w.done;
  expect(overflowed.changes.length).toBeLessThanOrEqual(5);
});

test("removing the project ends the watch with a closed batch", async () => {
  await start();
  rmSync(ws.project, { recursive: true });
  const w = waitFor("a closed batch", () => batches.find((b) => b.closed));
  wake = w.wake;
  w.wake();
  await w.done;
});

test("bad projects are refused", async () => {
  expect(codeOf(await watchProject(ws.root, "..", () => {}))).toBe("validation_failed");
  expect(codeOf(await watchProject(ws.root, "missing", () => {}))).toBe("not_found");
});

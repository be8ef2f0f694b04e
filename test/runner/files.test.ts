import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { FileWatchEvent } from "../../src/protocol/files.ts";
import type { RunnerClient } from "../../src/runners/client.ts";
import { type LocalRunner, startLocalRunner, until } from "./harness.ts";

/** The `fs.*` ops travel over the same authenticated runner connection (runner/files-route.ts). */
setDefaultTimeout(60_000);
let runner: LocalRunner;
let client: RunnerClient;

beforeAll(async () => {
  runner = await startLocalRunner();
  client = await runner.client();
  writeFileSync(join(runner.project, "hello.txt"), "hi\n");
});
afterAll(async () => {
  await runner.stop();
});

test("list, read and write a project file through the runner", async () => {
  const listed = await client.fs("fs.list", { project: "proj", path: "" });
  expect(listed.ok && listed.value.entries.map((e) => e.name)).toContain("hello.txt");
  const read = await client.fs("fs.read", { project: "proj", path: "hello.txt" });
  expect(read.ok && read.value.content).toBe("hi\n");
  const written = await client.fs("fs.write", {
    project: "proj",
    path: "new.txt",
    content: "new\n",
    if_match: null,
  });
  expect(written.ok).toBe(true);
});

test("a watch pushes fs.changes to the connection that opened it", async () => {
  const events: FileWatchEvent[] = [];
  const wakers = new Set<() => void>();
  client.onFileEvent((e) => {
    events.push(e);
    for (const w of [...wakers]) w();
  });
  const watch = await client.fs("fs.watch", { project: "proj" });
  if (!watch.ok) throw new Error(watch.error.message);
  writeFileSync(join(runner.project, "changed.txt"), "x");
  await until(
    "a change event",
    () => events.some((e) => e.changes.some((c) => c.path === "changed.txt")),
    (w) => {
      wakers.add(w);
      return () => wakers.delete(w);
    },
  );
});

test("file paths that escape the project are refused; the connection carries on", async () => {
  const escaping = await client.fs("fs.list", { project: "proj", path: "../.." });
  expect(!escaping.ok && escaping.error.code).toBe("validation_failed");
  const otherProject = await client.fs("fs.read", { project: "nope", path: "x" });
  expect(otherProject.ok).toBe(false);
  expect((await client.status()).ok).toBe(true);
});

import { afterAll, expect, setDefaultTimeout, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { SandboxLauncher } from "../../runner/launcher.ts";
import { ProcessTable } from "../../runner/process-table.ts";
import { createLogger } from "../../src/shared/log.ts";
import { waitUntil } from "./harness.ts";

/** The process table in-process, with the real sandbox launcher. */
setDefaultTimeout(60_000);
const root = mkdtempSync("/tmp/octo-table-");
const project = join(root, "ws", "proj");
mkdirSync(project, { recursive: true });
afterAll(() => rmSync(root, { recursive: true, force: true }));

test("exited processes nobody acknowledges are capped: the oldest are forgotten", async () => {
  const table = new ProcessTable({
    user: "local",
    workspaceRoot: join(root, "ws"),
    maxProcesses: 8,
    maxBufferBytes: 1 << 20,
    launcher: new SandboxLauncher(),
    log: createLogger({ level: "error" }),
    maxExitedRecords: 2,
  });
  const ids: string[] = [];
  for (let i = 0; i < 4; i++) {
    const r = table.spawn({
      id: 1,
      op: "spawn",
      user: "local",
      kind: "raw",
      profile: "minimal",
      project,
      argv: ["true"],
      env: {},
    });
    if (!r.ok) throw new Error(r.error.message);
    ids.push(r.value.proc);
    await waitUntil("exit", () => table.list().find((p) => p.proc === r.value.proc)?.state === "exited");
  }
  expect(table.list().map((p) => p.proc)).toEqual(ids.slice(2));
});

import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { RUNNER_START_FAILED } from "../../src/runners/manager.ts";
import { Client } from "./client.ts";
import { startTestServer, type TestServer } from "./harness.ts";

/** A runner that cannot start: the person is told so plainly; the admin's log has the why. */
setDefaultTimeout(60_000);

let t: TestServer;
let bin: string;

beforeAll(async () => {
  bin = mkdtempSync("/tmp/octo-broken-bin-");
  chmodSync(bin, 0o755);
  writeFileSync(join(bin, "octo-runner"), "#!/bin/sh\necho 'broken runner' >&2\nexit 3\n", { mode: 0o755 });
  process.env.OCTO_BIN_DIR = bin;
  t = await startTestServer();
});

afterAll(async () => {
  delete process.env.OCTO_BIN_DIR;
  await t.stop();
  rmSync(bin, { recursive: true, force: true });
});

test("a runner start failure is runner_unavailable without host paths; the log names the path", async () => {
  const admin = new Client(t.url);
  await admin.login(t.admin.username, t.admin.password);
  const r = await admin.post<{ error: { code: string; message: string } }>("/api/projects", { name: "Nope" });
  expect(r.status).toBe(503);
  expect(r.body.error).toEqual({ code: "runner_unavailable", message: RUNNER_START_FAILED });
  const logged = t.logs.find((l) => l.includes("the runner could not start"));
  expect(logged).toContain(t.server.ctx.config.paths.socketDir);
});

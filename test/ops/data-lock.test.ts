import { afterAll, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { stopRunnerOf, tempHome } from "../http/harness.ts";
import { killServes, spawnServe } from "./serve.ts";

// Real `octo serve` processes from source (~1 s each to start on a busy machine).
setDefaultTimeout(60_000);

const dirs = tempHome();
const dataDir = join(dirs.home, ".local", "share", "octo");
const socketDir = join(dirs.home, "run", "octo");
afterAll(() => {
  killServes();
  stopRunnerOf(socketDir);
  rmSync(dirs.home, { recursive: true, force: true });
});

test("a second octo serve on the same data dir refuses at once and leaves the first alone; after the first is SIGKILLed a new one starts", async () => {
  const first = spawnServe(dirs.env);
  const url = await first.running;
  const adminSocket = join(socketDir, "admin.sock");
  expect(existsSync(adminSocket)).toBe(true);

  const second = spawnServe(dirs.env);
  expect(await second.exited).toBe(1);
  expect(second.stderr()).toContain(
    `another octo server (pid ${first.proc.pid}) is using the data dir ${dataDir}`,
  );
  expect(second.stdout()).not.toContain("running at");

  // The first still serves, and its sockets are where they were.
  expect((await fetch(`${url}/api/health`)).status).toBe(200);
  expect(existsSync(adminSocket)).toBe(true);

  // The kernel drops the lock with the process: no stale lock after a crash.
  first.proc.kill("SIGKILL");
  await first.exited;
  const third = spawnServe(dirs.env);
  const thirdUrl = await third.running;
  expect((await fetch(`${thirdUrl}/api/health`)).status).toBe(200);
  third.proc.kill("SIGTERM");
  expect(await third.exited).toBe(0);
});

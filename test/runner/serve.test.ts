import { afterAll, expect, setDefaultTimeout, test } from "bun:test";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { commandFor } from "../../src/shared/paths.ts";
import { isAlive } from "../../src/shared/proctree.ts";
import { singleUserRunnerFiles } from "../../src/shared/runner-layout.ts";
import { stopGatewayOf } from "../http/harness.ts";

/**
 * Single-user `octo serve`: starts one detached runner as the invoking user; a restarted server
 * finds the live runner through its socket and secret and reuses it.
 */
setDefaultTimeout(60_000);
const home = mkdtempSync("/tmp/octo-serve-runner-");
const runtime = join(home, "run");
mkdirSync(runtime, { mode: 0o700 });
// As root the runner runs as the agent account (decision 0016), which must reach these.
chmodSync(home, 0o711);
chmodSync(runtime, 0o711);
const files = singleUserRunnerFiles(join(runtime, "octo"));
let runnerPid = 0;

afterAll(() => {
  if (runnerPid && isAlive(runnerPid)) process.kill(runnerPid, "SIGTERM");
  stopGatewayOf(join(runtime, "octo"));
  rmSync(home, { recursive: true, force: true });
});

async function serveUntil(pattern: RegExp) {
  const proc = Bun.spawn([...commandFor("octo"), "serve", "--port", "0"], {
    env: {
      ...process.env,
      HOME: home,
      XDG_RUNTIME_DIR: runtime,
      XDG_CONFIG_HOME: join(home, "cfg"),
      XDG_DATA_HOME: join(home, "data"),
    },
    stdout: "pipe",
    stderr: "pipe",
  });
  let text = "";
  const read = async (s: ReadableStream<Uint8Array>) => {
    for await (const c of s) {
      text += Buffer.from(c).toString();
      if (pattern.test(text)) return;
    }
  };
  await Promise.race([
    Promise.any([read(proc.stdout), read(proc.stderr)]),
    proc.exited.then(() => {
      throw new Error(`octo serve exited: ${text}`);
    }),
  ]);
  return { proc, text: () => text };
}

test("octo serve starts a detached runner; after a server restart it is reused", async () => {
  const first = await serveUntil(/runner started/);
  runnerPid = Number(readFileSync(files.pidFile, "utf8"));
  expect(isAlive(runnerPid)).toBe(true);
  first.proc.kill("SIGTERM");
  await first.proc.exited;
  expect(isAlive(runnerPid)).toBe(true);

  const second = await serveUntil(/reusing runner/);
  expect(second.text()).toContain(`pid=${runnerPid}`);
  second.proc.kill("SIGTERM");
  await second.proc.exited;
});

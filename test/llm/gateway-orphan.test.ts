// The LLM gateway outlives servers by design, but not its own socket directory: once its control
// socket is gone (the directory removed, as when a data dir is deleted) or replaced by another
// gateway's, no server can reach it again. It used to run forever then — the 1,000-session soak
// found one left behind by every bench run and every test that lost its server.

import { afterEach, expect, setDefaultTimeout, test } from "bun:test";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CONTROL_CHECK_MS } from "../../src/llm/gateway-main.ts";
import { commandFor } from "../../src/shared/paths.ts";
import { isAlive } from "../../src/shared/proctree.ts";
import { tempHome } from "../http/harness.ts";

setDefaultTimeout(60_000);
const started: { proc: Bun.Subprocess; home: string }[] = [];
afterEach(() => {
  for (const { proc, home } of started.splice(0)) {
    if (isAlive(proc.pid)) proc.kill("SIGKILL");
    rmSync(home, { recursive: true, force: true });
  }
});

/** `octo llm-gateway --config` in a temporary HOME; resolves once it logged that it is ready. */
async function startGateway() {
  const dirs = tempHome();
  mkdirSync(dirs.configDir, { recursive: true });
  const configPath = join(dirs.configDir, "config.toml");
  const socketDir = join(dirs.home, "sock");
  writeFileSync(configPath, `[runner]\nsocket_dir = "${socketDir}"\n`);
  const proc = Bun.spawn([...commandFor("octo"), "llm-gateway", "--config", configPath], {
    env: dirs.env,
    stdin: "ignore",
    stdout: "ignore",
    stderr: "pipe",
  });
  started.push({ proc, home: dirs.home });
  let out = "";
  const decoder = new TextDecoder();
  // It logs to stderr.
  for await (const chunk of proc.stderr) {
    out += decoder.decode(chunk, { stream: true });
    if (out.includes("llm gateway ready")) break;
  }
  if (!out.includes("llm gateway ready")) throw new Error(`gateway did not start:\n${out}`);
  return { proc, socketDir };
}

/** Resolves with the exit code, or null if the process is still running after `ms`. */
async function exitWithin(proc: Bun.Subprocess, ms: number): Promise<number | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), ms);
  });
  const code = await Promise.race([proc.exited, timeout]);
  clearTimeout(timer);
  return code;
}

test("a gateway whose socket directory is removed exits by itself", async () => {
  const { proc, socketDir } = await startGateway();
  rmSync(socketDir, { recursive: true, force: true });
  expect(await exitWithin(proc, CONTROL_CHECK_MS * 5)).toBe(0);
});

test("a gateway whose control socket is replaced by another file exits by itself", async () => {
  const { proc, socketDir } = await startGateway();
  const control = join(socketDir, "llm-gateway", "control.sock");
  rmSync(control);
  writeFileSync(control, "");
  expect(await exitWithin(proc, CONTROL_CHECK_MS * 5)).toBe(0);
});

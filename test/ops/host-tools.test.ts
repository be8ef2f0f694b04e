import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli } from "../cli/run.ts";
import { Client } from "../http/client.ts";
import { stopRunnerOf, tempHome } from "../http/harness.ts";
import { AgentTab, createProject } from "../sessions/harness.ts";
import { killServes, spawnServe } from "./serve.ts";

setDefaultTimeout(60_000);

const dirs = tempHome();
const socketDir = join(dirs.home, "run", "octo");

/** A bin dir with everything the system dirs hold except `hidden`. */
function binDirWithout(hidden: string): string {
  const bin = join(dirs.home, "bin");
  mkdirSync(bin);
  for (const dir of ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]) {
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      if (name === hidden || existsSync(join(bin, name))) continue;
      symlinkSync(join(dir, name), join(bin, name));
    }
  }
  return bin;
}

let env: Record<string, string>;
beforeAll(() => {
  const bin = binDirWithout("socat");
  env = { ...dirs.env, PATH: bin, OCTO_TOOL_PATH: bin, OCTO_TEST_KEY: "sk-test" };
  mkdirSync(dirs.configDir, { recursive: true });
  writeFileSync(
    join(dirs.configDir, "config.toml"),
    `[llm]
default_model = "fx/fake-1"

[[llm.providers]]
name = "fx"
kind = "openai"
base_url = "http://127.0.0.1:9/v1"
api_key_env = "OCTO_TEST_KEY"
models = [{ id = "fake-1" }]
`,
  );
});
afterAll(() => {
  killServes();
  stopRunnerOf(socketDir);
  rmSync(dirs.home, { recursive: true, force: true });
});

test("octo doctor names the missing program and the command that installs it", async () => {
  const r = await runCli(["doctor"], env);
  expect(r.code).toBe(1);
  expect(r.stdout).toMatch(/MISSING\s+socat\s+apt-get install -y socat/);
  expect(r.stdout).toMatch(/ok\s+bwrap/);
  expect(r.stdout).toContain("install with: apt-get install -y socat");
});

test("without socat the server says so at start, keeps serving, and an agent fails with sandbox_unavailable and that text", async () => {
  const serve = spawnServe(env);
  const url = await serve.running;
  expect(serve.stderr()).toContain("socat (the relay that lets an agent reach its LLM) is missing");
  expect(serve.stderr()).toContain("apt-get install -y socat");
  expect((await fetch(`${url}/api/health`)).status).toBe(200);

  const password = /password:\s+(\S+)/.exec(serve.stdout())?.[1] as string;
  const admin = new Client(url);
  await admin.login("admin", password);
  const projectId = await createProject(admin, "deps");
  const tab = await AgentTab.open(url, admin.cookie);
  const r = await tab.cmd("session.create", { project_id: projectId });
  expect(r.ok).toBe(false);
  const error = r.error as { code: string; message: string };
  expect(error.code).toBe("sandbox_unavailable");
  expect(error.message).toContain("socat");
  expect(error.message).toContain("apt-get install -y socat");
  await tab.close();

  serve.proc.kill("SIGTERM");
  expect(await serve.exited).toBe(0);
});

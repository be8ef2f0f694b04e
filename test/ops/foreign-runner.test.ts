import { afterAll, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { isAlive } from "../../src/shared/proctree.ts";
import { singleUserRunnerFiles } from "../../src/shared/runner-layout.ts";
import { Client } from "../http/client.ts";
import { startServerIn, startTestServer, type TestServer } from "../http/harness.ts";
import { createProject } from "../sessions/harness.ts";

setDefaultTimeout(60_000);

let t: TestServer | undefined;
afterAll(() => t?.stop());

const workspaceToml = (dir: string) => `[local]\nworkspace_dir = "${dir}"\n`;

test("a runner left over with another workspace is replaced, and projects land in the new workspace", async () => {
  // Workspace A is the default one, ~/octo.
  const first = await startTestServer();
  t = first;
  const a = join(first.home, "octo");
  const b = join(first.home, "workspace-b");
  const configFile = join(first.home, ".config", "octo", "config.toml");
  let s = { server: first.server, url: first.url, logs: first.logs };
  let admin = new Client(s.url);
  await admin.login(first.admin.username, first.admin.password);
  await createProject(admin, "alpha");
  // Each platform user has a folder of their own in the workspace.
  expect(existsSync(join(a, first.admin.username, "alpha"))).toBe(true);
  const pidFile = singleUserRunnerFiles(s.server.ctx.config.paths.socketDir).pidFile;
  const oldRunner = Number(readFileSync(pidFile, "utf8"));
  expect(isAlive(oldRunner)).toBe(true);

  // The server stops; its runner stays (runners outlive servers). The next start uses workspace B.
  await s.server.stop();
  expect(isAlive(oldRunner)).toBe(true);
  writeFileSync(configFile, workspaceToml(b));
  const second = await startServerIn({ home: first.home, env: first.env });
  s = second;
  t = { ...first, ...second, admin: first.admin };
  admin = new Client(s.url);
  await admin.login(first.admin.username, first.admin.password);
  await createProject(admin, "beta");

  expect(existsSync(join(b, first.admin.username, "beta"))).toBe(true);
  expect(existsSync(join(a, first.admin.username, "beta"))).toBe(false);
  expect(isAlive(oldRunner)).toBe(false);
  const replaced = s.logs.map((l) => JSON.parse(l)).find((l) => /replacing a runner left over/.test(l.msg));
  expect(replaced).toMatchObject({ pid: oldRunner, runner_workspace: a, workspace: b });
  expect(Number(readFileSync(pidFile, "utf8"))).not.toBe(oldRunner);
});

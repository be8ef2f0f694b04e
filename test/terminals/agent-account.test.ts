import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync } from "node:fs";
import { ensureAgentAccount, runningAsRoot } from "../../src/runners/agent-account.ts";
import { singleUserRunnerFiles } from "../../src/shared/runner-layout.ts";
import { startTestServer, type TestServer } from "../http/harness.ts";
import { createProject } from "../sessions/harness.ts";
import { login, MuxClient } from "./harness.ts";

/**
 * Single-user mode started as root never runs an agent as root (decision 0016): the runner and
 * every sandbox run as the unprivileged `octo-agent` account.
 */
setDefaultTimeout(90_000);

let t: TestServer;
let mux: MuxClient;

beforeAll(async () => {
  t = await startTestServer();
});

afterAll(async () => {
  if (mux && !mux.closed) mux.ws.close();
  await t.stop();
});

const uidOf = (pid: number): number => {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").match(/^Uid:\s+(\d+)/m);
  return Number(line?.[1]);
};

test.skipIf(!runningAsRoot())("as root: a terminal's shell and the runner are not uid 0", async () => {
  const admin = await login(t.url, t.admin.username, t.admin.password);
  const projectId = await createProject(admin, "Whoami");
  mux = await MuxClient.connect(t.url, admin.cookie);
  const { terminal } = await mux.ok<{ terminal: { terminal_id: string } }>("open", {
    project_id: projectId,
    cols: 80,
    rows: 24,
  });
  const id = terminal.terminal_id;
  await mux.ok("attach", { terminal_id: id });
  await mux.input(id, 'echo "u""id=$(id -u)"\r');
  const text = await mux.waitText(id, /uid=\d+/);
  const uid = Number(text.match(/uid=(\d+)/)?.[1]);
  expect(uid).not.toBe(0);

  const account = ensureAgentAccount();
  if (!account.ok) throw new Error(account.error.message);
  expect(uid).toBe(account.value.uid);
  const runnerPid = Number(
    readFileSync(singleUserRunnerFiles(t.server.ctx.config.paths.socketDir).pidFile, "utf8"),
  );
  expect(uidOf(runnerPid)).toBe(account.value.uid);

  // Outside any sandbox, the account itself cannot read root's home.
  const ls = Bun.spawnSync(["ls", "/root"], {
    uid: account.value.uid,
    gid: account.value.gid,
    env: { PATH: "/usr/bin:/bin" },
    stderr: "pipe",
  });
  expect(ls.exitCode).not.toBe(0);
  expect(ls.stderr.toString()).toContain("Permission denied");
});

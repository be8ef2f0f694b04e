import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { addUser, startTestServer, type TestServer } from "../http/harness.ts";
import { waitUntil } from "../runner/harness.ts";
import { login, MuxClient, makeProject, pidsMatching, stopLocalRunner } from "./harness.ts";

/**
 * Terminals and the end of a sign-in, with the real runner and sandbox: a disabled user's shells
 * are killed with their sockets; a user may run at most `server.max_terminals_per_user` shells.
 */
setDefaultTimeout(60_000);
let t: TestServer;
const sockets: MuxClient[] = [];

beforeAll(async () => {
  t = await startTestServer("[server]\nmax_terminals_per_user = 1\n");
});
afterAll(async () => {
  for (const s of sockets) if (!s.closed) s.ws.close();
  const socketDir = t.server.ctx.config.paths.socketDir;
  await t.stop();
  stopLocalRunner(socketDir);
});

async function userWithProject(name: string) {
  const admin = await login(t.url, t.admin.username, t.admin.password);
  const id = await addUser(admin, name, `${name}-password-1`);
  const project = makeProject(t.server, id, `${name}-proj`);
  const client = await login(t.url, name, `${name}-password-1`);
  const s = await MuxClient.connect(t.url, client.cookie);
  sockets.push(s);
  return { admin, id, project, s };
}

test("disabling a user closes their socket and kills the shell it had open", async () => {
  const { admin, id, project, s } = await userWithProject("tess");
  const { terminal } = await s.ok<{ terminal: { terminal_id: string } }>("open", {
    project_id: project.id,
    cols: 80,
    rows: 24,
  });
  await s.ok("attach", { terminal_id: terminal.terminal_id });
  await s.input(terminal.terminal_id, "sleep 4242\r");
  await waitUntil("sleep 4242 running", () => pidsMatching("^sleep 4242$").length > 0);

  expect((await admin.post(`/api/admin/users/${id}/disable`)).status).toBe(200);
  await s.waitFor("socket closed", () => s.closed);
  expect(s.closeCode).toBe(4401);
  await waitUntil("the shell's sleep is gone", () => pidsMatching("^sleep 4242$").length === 0);

  // Back in, the terminal is no longer listed.
  expect((await admin.post(`/api/admin/users/${id}/enable`)).status).toBe(200);
  const again = await MuxClient.connect(t.url, (await login(t.url, "tess", "tess-password-1")).cookie);
  sockets.push(again);
  const listed = await again.ok<{ terminals: unknown[] }>("list", { project_id: project.id });
  expect(listed.terminals).toEqual([]);
});

test("a user at max_terminals_per_user is refused the next terminal with process_limit", async () => {
  const { project, s } = await userWithProject("tim");
  await s.ok("open", { project_id: project.id, cols: 80, rows: 24 });
  const second = await s.cmd("open", { project_id: project.id, cols: 80, rows: 24 });
  expect(second).toMatchObject({ ok: false, error: { code: "process_limit" } });
  expect(second.error?.message).toContain("1 terminals");
});

test("a terminal whose opening was under way when the user was disabled does not survive", async () => {
  const { admin, id, project, s } = await userWithProject("ursa");
  // The open is in flight (the runner is spawning a sandboxed shell) when the disable lands.
  s.sendRaw(
    JSON.stringify({ ch: "terminal", id: "racing", cmd: "open", project_id: project.id, cols: 80, rows: 24 }),
  );
  expect((await admin.post(`/api/admin/users/${id}/disable`)).status).toBe(200);
  await s.waitFor("socket closed", () => s.closed);
  const refusedOutright = s.frames.some((f) => f.id === "racing");
  expect((await admin.post(`/api/admin/users/${id}/enable`)).status).toBe(200);
  const again = await MuxClient.connect(t.url, (await login(t.url, "ursa", "ursa-password-1")).cookie);
  sockets.push(again);
  if (!refusedOutright) {
    // The shell did start (after the disable had closed the rest): then it is closed again.
    await waitUntil("ursa's racing terminal opened", () =>
      t.logs.some((l) => l.includes("terminal opened") && l.includes('"ursa"')),
    );
  }
  const listed = () => again.ok<{ terminals: unknown[] }>("list", { project_id: project.id });
  await waitUntil("no terminal of ursa's listed", async () => (await listed()).terminals.length === 0);
});

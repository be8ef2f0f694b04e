import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { sessionsRepo } from "../../src/storage/sessions.ts";
import { Client } from "../http/client.ts";
import { addUser, startServerIn } from "../http/harness.ts";
import { waitUntil } from "../runner/harness.ts";
import {
  AgentTab,
  createProject,
  descendantsOf,
  piOf,
  type SessionWorld,
  sandboxNeedle,
  startWorld,
} from "./harness.ts";

setDefaultTimeout(180_000);
let w: SessionWorld;
let projectId: string;
let admin: { id: string; username: string };

beforeAll(async () => {
  w = await startWorld({ runnerToml: "warm_agents = 1" });
  projectId = await createProject(w.admin, "Warm");
  const me = await w.admin.get<{ user: { id: string; username: string } }>("/api/auth/me");
  admin = { id: me.body.user.id, username: me.body.user.username };
});
afterAll(async () => {
  await w?.stop();
});

const repo = () => sessionsRepo(w.t.server.ctx.db);
const sessions = () => w.t.server.ctx.services.sessions;

/** Open the project as the UI does (its session list), then wait for the pool to be filled. */
async function openProject(c: Client, owner: { id: string; username: string }, project: string) {
  const r = await c.get<{ sessions: { id: string }[] }>(`/api/projects/${project}/sessions`);
  expect(r.status).toBe(200);
  await sessions().warmFor(owner, project);
  return r.body.sessions.map((s) => s.id);
}

test("opening a project starts one hidden spare; the next conversation takes it and answers", async () => {
  await openProject(w.admin, admin, projectId);
  const spares = repo().spares(admin.id);
  expect(spares).toHaveLength(1);
  const spare = spares[0]?.id as string;
  expect(spares[0]?.proc_id).toBeTruthy(); // its agent was spawned under the user's runner

  // Invisible until claimed: in no list, and not even its owner can reach it by id.
  const listed = await w.admin.get<{ sessions: { id: string }[] }>("/api/sessions");
  expect(listed.body.sessions.map((s) => s.id)).not.toContain(spare);
  expect((await w.admin.get(`/api/sessions/${spare}`)).status).toBe(404);
  const tab = await AgentTab.open(w.t.url, w.admin.cookie);
  const peek = await tab.cmd("session.subscribe", { session_id: spare });
  expect(peek.ok).toBe(false);
  expect(peek.error).toMatchObject({ code: "not_found" });

  const { session_id: s } = await tab.ok<{ session_id: string }>("session.create", { project_id: projectId });
  expect(s).toBe(spare);
  await tab.ok("session.subscribe", { session_id: s, after_seq: 0 });
  w.fx.enqueue([{ text: "warm hello", chunks: 3 }]);
  await tab.ok("prompt", { session_id: s, message: "hi", client_id: "w-1" });
  await tab.waitIdle(s);
  expect(tab.text(s)).toBe("warm hello");
  expect(piOf(s)).toBeGreaterThan(0);
  const info = await w.admin.get<{ session: { status: string; title: string } }>(`/api/sessions/${s}`);
  expect(info.body.session.status).toBe("ready");
  expect(info.body.session.title).toBe("hi");
  // The event stream a client replays is whole: it starts at 1 and has the creation in it.
  const seqs = tab.events(s).map((f) => f.seq as number);
  expect(seqs[0]).toBe(1);
  expect(tab.events(s).some((f) => f.event === "session.created")).toBe(true);

  // The pool refills in the background with a new spare.
  await sessions().warmFor(admin, projectId);
  const next = repo().spares(admin.id);
  expect(next).toHaveLength(1);
  expect(next[0]?.id).not.toBe(spare);
  await tab.close();
});

test("a conversation asking for another model starts its own agent; the spare stays", async () => {
  await openProject(w.admin, admin, projectId);
  const spare = repo().spares(admin.id)[0]?.id;
  expect(spare).toBeDefined();
  const tab = await AgentTab.open(w.t.url, w.admin.cookie);
  const { session_id: s } = await tab.ok<{ session_id: string }>("session.create", {
    project_id: projectId,
    model: "fx/fake-r",
  });
  expect(s).not.toBe(spare);
  await sessions().warmFor(admin, projectId);
  expect(
    repo()
      .spares(admin.id)
      .map((r) => r.id),
  ).toEqual([spare as string]);
  await tab.close();
});

test("a changed default model replaces the spare with one of the new model", async () => {
  await openProject(w.admin, admin, projectId);
  const old = repo().spares(admin.id)[0];
  expect(old?.model).toBe("fx/fake-1");
  const patched = await w.admin.request("PATCH", `/api/projects/${projectId}`, {
    body: { default_model: "fx/fake-r" },
  });
  expect(patched.status).toBe(200);
  await openProject(w.admin, admin, projectId);
  const now = repo().spares(admin.id);
  expect(now).toHaveLength(1);
  expect(now[0]?.model).toBe("fx/fake-r");
  expect(repo().byId(old?.id as string)).toBeNull();
  expect(descendantsOf(`agents/${old?.id}=`)).toEqual([]);
  await w.admin.request("PATCH", `/api/projects/${projectId}`, { body: { default_model: null } });
});

test("an idle spare is discarded by the reaper: no session, no history, no process", async () => {
  await openProject(w.admin, admin, projectId);
  const spare = repo().spares(admin.id)[0]?.id as string;
  const before = (await w.admin.get<{ sessions: unknown[] }>("/api/sessions")).body.sessions.length;
  // reapIdle(0) reaps every idle agent; a spare counts from pi's first event like any agent.
  const tab = await AgentTab.open(w.t.url, w.admin.cookie);
  let reaped: string[] = [];
  const deadline = Date.now() + 60_000;
  while (!reaped.includes(spare) && Date.now() < deadline) {
    reaped = await sessions().reapIdle(0);
    await new Promise((r) => setImmediate(r));
  }
  expect(reaped).toContain(spare);
  expect(repo().byId(spare)).toBeNull();
  await waitUntil("no process of spare left", () => descendantsOf(sandboxNeedle(spare)).length === 0, 10_000);
  expect(w.t.server.ctx.services.history.for(admin.id).currentSeq(spare)).toBe(0);
  const after = (await w.admin.get<{ sessions: unknown[] }>("/api/sessions")).body.sessions.length;
  expect(after).toBe(before);
  await tab.close();
});

test("another user never gets alice's spare, nor reaches it by id", async () => {
  await openProject(w.admin, admin, projectId);
  const spare = repo().spares(admin.id)[0]?.id as string;
  await addUser(w.admin, "warmbob", "warmbob-password-1");
  const bob = new Client(w.t.url);
  await bob.login("warmbob", "warmbob-password-1");
  const bobProject = await createProject(bob, "Bob's");
  const bt = await AgentTab.open(w.t.url, bob.cookie);
  const peek = await bt.cmd("session.subscribe", { session_id: spare });
  expect(peek.error).toMatchObject({ code: "not_found" });
  const { session_id: s } = await bt.ok<{ session_id: string }>("session.create", { project_id: bobProject });
  expect(s).not.toBe(spare);
  // Bob's own pool starts for Bob's project; Alice's spare is untouched.
  expect(repo().byId(spare)?.status).toBe("spare");
  await bt.close();
});

test("a server restart discards the spares of the previous run", async () => {
  await openProject(w.admin, admin, projectId);
  const spare = repo().spares(admin.id)[0]?.id as string;
  expect(repo().byId(spare)?.proc_id).toBeTruthy();
  await w.t.server.stop();
  const again = await startServerIn({ home: w.t.home, env: w.t.env });
  w.t.server = again.server;
  w.t.url = again.url;
  w.t.stop = again.stop;
  const c = new Client(again.url);
  await c.login(w.t.admin.username, w.t.admin.password);
  w.admin = c;
  await again.server.ctx.services.sessions.resumed;
  expect(repo().byId(spare)).toBeNull();
  await waitUntil("no process of spare left", () => descendantsOf(sandboxNeedle(spare)).length === 0, 10_000);
});

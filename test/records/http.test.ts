import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { Client } from "../http/client.ts";
import { addUser, startTestServer, type TestServer } from "../http/harness.ts";
import { MuxClient } from "../terminals/harness.ts";

/** Memory and tasks over HTTP as the UI uses them, live updates on the mux, and ownership. */
setDefaultTimeout(60_000);

let t: TestServer;
let ann: Client;
let bob: Client;
let annA: string;
let annB: string;
let bobP: string;
const sockets: MuxClient[] = [];

const project = async (c: Client, name: string) => {
  const r = await c.post<{ project: { id: string } }>("/api/projects", { name });
  if (r.status !== 200) throw new Error(JSON.stringify(r.body));
  return r.body.project.id;
};

beforeAll(async () => {
  t = await startTestServer();
  const admin = new Client(t.url);
  await admin.login(t.admin.username, t.admin.password);
  await addUser(admin, "ann", "ann-password-1");
  await addUser(admin, "bob", "bob-password-1");
  ann = new Client(t.url);
  await ann.login("ann", "ann-password-1");
  bob = new Client(t.url);
  await bob.login("bob", "bob-password-1");
  annA = await project(ann, "Alpha");
  annB = await project(ann, "Beta");
  bobP = await project(bob, "Bobs");
});
afterAll(async () => {
  for (const s of sockets) if (!s.closed) s.ws.close();
  await t.stop();
});

type M = {
  id: string;
  text: string;
  scope: string;
  pinned: boolean;
  source: { kind: string; username?: string };
};

describe("memory", () => {
  test("add, search as you type, pin, edit with attribution, forget", async () => {
    const made = await ann.post<{ memory: M }>(`/api/projects/${annA}/memories`, {
      text: "Release notes go in CHANGELOG.md under Unreleased",
      tags: ["docs"],
    });
    expect(made.status).toBe(200);
    expect(made.body.memory.source).toMatchObject({ kind: "person", username: "ann" });
    const id = made.body.memory.id;
    const typed = await ann.get<{ memories: M[] }>(`/api/projects/${annA}/memories?q=changel`);
    expect(typed.body.memories.map((m) => m.id)).toEqual([id]);
    const pinned = await ann.request<{ memory: M }>("PATCH", `/api/projects/${annA}/memories/${id}`, {
      body: { pinned: true, text: "Release notes go in CHANGELOG.md" },
    });
    expect(pinned.body.memory).toMatchObject({ pinned: true, text: "Release notes go in CHANGELOG.md" });
    const shown = await ann.get<{ changes: { action: string }[] }>(`/api/projects/${annA}/memories/${id}`);
    expect(shown.body.changes.map((c) => c.action)).toEqual(["add", "edit"]);
    expect((await ann.delete(`/api/projects/${annA}/memories/${id}`)).status).toBe(200);
    expect((await ann.get(`/api/projects/${annA}/memories/${id}`)).code).toBe("not_found");
  });

  test("a user memory is offered in the user's other project; bob sees nothing of ann's", async () => {
    const mine = await ann.post<{ memory: M }>(`/api/projects/${annA}/memories`, {
      text: "Ann writes British English",
      scope: "user",
    });
    const inB = await ann.get<{ memories: M[] }>(`/api/projects/${annB}/memories?q=british`);
    expect(inB.body.memories.map((m) => m.id)).toEqual([mine.body.memory.id]);
    expect((await bob.get(`/api/projects/${annA}/memories`)).code).toBe("not_found");
    expect((await bob.get(`/api/projects/${bobP}/memories?q=british`)).body).toEqual({ memories: [] });
    expect((await bob.get(`/api/projects/${bobP}/memories/${mine.body.memory.id}`)).code).toBe("not_found");
    const hijack = await bob.request("PATCH", `/api/projects/${bobP}/memories/${mine.body.memory.id}`, {
      body: { text: "x" },
    });
    expect(hijack.code).toBe("not_found");
  });

  test("bad input is validation_failed and stores nothing", async () => {
    const r = await ann.post(`/api/projects/${annA}/memories`, { text: "", tags: ["a b"] });
    expect(r.status).toBe(422);
    expect(r.code).toBe("validation_failed");
  });
});

describe("tasks", () => {
  type T = { id: string; status: string; ready: boolean; depends_on: string[] };
  test("create with dependencies, ready list, history with who, comments", async () => {
    const a = await ann.post<{ task: T }>(`/api/projects/${annA}/tasks`, {
      title: "Write spec",
      labels: ["docs"],
    });
    const b = await ann.post<{ task: T }>(`/api/projects/${annA}/tasks`, {
      title: "Build it",
      depends_on: [a.body.task.id],
      priority: "high",
      assignee: "agent",
    });
    expect([a.body.task.id, b.body.task.id]).toEqual(["T-1", "T-2"]);
    const ready = await ann.get<{ tasks: T[] }>(`/api/projects/${annA}/tasks?ready=1`);
    expect(ready.body.tasks.map((x) => x.id)).toEqual(["T-1"]);
    await ann.request("PATCH", `/api/projects/${annA}/tasks/T-1`, { body: { status: "done" } });
    await ann.post(`/api/projects/${annA}/tasks/T-2/comments`, { text: "start with the parser" });
    const detail = await ann.get<{ task: T; history: { kind: string; by: { username: string } }[] }>(
      `/api/projects/${annA}/tasks/T-2`,
    );
    expect(detail.body.task.ready).toBe(true);
    expect(detail.body.history.map((h) => [h.kind, h.by.username])).toEqual([
      ["created", "ann"],
      ["comment", "ann"],
    ]);
  });

  test("another user gets not_found for the project and its tasks; bad status is refused", async () => {
    expect((await bob.get(`/api/projects/${annA}/tasks`)).code).toBe("not_found");
    expect((await bob.get(`/api/projects/${annA}/tasks/T-1`)).code).toBe("not_found");
    expect((await bob.post(`/api/projects/${annA}/tasks`, { title: "x" })).code).toBe("not_found");
    expect(
      (await bob.request("PATCH", `/api/projects/${annA}/tasks/T-1`, { body: { title: "x" } })).code,
    ).toBe("not_found");
    const bad = await ann.request("PATCH", `/api/projects/${annA}/tasks/T-1`, { body: { status: "later" } });
    expect(bad.code).toBe("validation_failed");
  });

  test("export as JSONL and import into another project", async () => {
    const res = await fetch(`${t.url}/api/projects/${annA}/tasks/export`, {
      headers: { cookie: `octo_session=${ann.cookie}`, origin: t.url },
    });
    const jsonl = await res.text();
    expect(jsonl.trim().split("\n").length).toBe(2);
    const r = await ann.post(`/api/projects/${annB}/tasks/import`, { jsonl });
    expect(r.body).toEqual({ count: 2 });
    const b2 = await ann.get<{ task: T }>(`/api/projects/${annB}/tasks/T-2`);
    expect(b2.body.task.depends_on).toEqual(["T-1"]);
  });
});

describe("live updates", () => {
  test("a watching tab hears memory and task changes of its project, and user memories from others", async () => {
    const s = await MuxClient.connect(t.url, ann.cookie);
    sockets.push(s);
    const w = await s.cmd("watch", { project_id: annB }, "changes");
    expect(w.ok).toBe(true);
    const stranger = await MuxClient.connect(t.url, bob.cookie);
    sockets.push(stranger);
    expect((await stranger.cmd("watch", { project_id: annB }, "changes")).error).toMatchObject({
      code: "not_found",
    });
    await ann.post(`/api/projects/${annB}/tasks`, { title: "live" });
    await s.waitFor("tasks changed", () => s.frames.find((f) => f.ch === "changes" && f.area === "tasks"));
    // A user memory made in project A is part of B too.
    await ann.post(`/api/projects/${annA}/memories`, { text: "live memory", scope: "user" });
    const heard = await s.waitFor("memory changed", () =>
      s.frames.find((f) => f.ch === "changes" && f.area === "memory"),
    );
    expect(heard).toMatchObject({ project_id: annB });
    expect(stranger.frames.filter((f) => f.ch === "changes" && f.event === "changed")).toEqual([]);
  });
});

// Shared projects (decision 0030), end to end against the real server, runner, sandbox and SQLite:
// membership routes, the role on every route and mux frame (the IDOR tests), a member's own
// identity on what they do, their usage billed to them, and a removed member losing access at once.

import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { Client } from "../http/client.ts";
import { addUser } from "../http/harness.ts";
import { waitUntil } from "../runner/harness.ts";
import { AgentTab, createProject, type SessionWorld, startWorld } from "../sessions/harness.ts";
import { MuxClient } from "../terminals/harness.ts";

setDefaultTimeout(240_000);

let w: SessionWorld;
let owner: Client;
const users: Record<"alice" | "vera" | "mallory", { client: Client; id: string }> = {} as never;
let project: string;
let ownerTab: AgentTab;
let ownerSession: string;

/**
 * Answer the server's heartbeat pings, as the UI does: an agent that takes more than two heartbeats
 * to start on a loaded machine must not cost the waiting socket its connection.
 */
function keepAlive<T extends MuxClient | AgentTab>(tab: T): T {
  const mux: MuxClient = tab instanceof AgentTab ? tab.mux : (tab as MuxClient);
  mux.ws.addEventListener("message", (m: MessageEvent) => {
    const frame = JSON.parse(String(m.data));
    if (frame.ch === "system" && frame.event === "ping")
      mux.ws.send(JSON.stringify({ ch: "system", cmd: "pong", ts: frame.ts }));
  });
  return tab;
}
const agentTab = async (c: Client) => keepAlive(await AgentTab.open(w.t.url, c.cookie));
const muxTab = async (c: Client) => keepAlive(await MuxClient.connect(w.t.url, c.cookie));

const patch = (c: Client, path: string, body: unknown) => c.request("PATCH", path, { body });
const members = (id = project) => `/api/projects/${id}/members`;

beforeAll(async () => {
  w = await startWorld();
  owner = w.admin;
  for (const name of ["alice", "vera", "mallory"] as const) {
    const id = await addUser(owner, name, `${name}-password-123`);
    const client = new Client(w.t.url);
    await client.login(name, `${name}-password-123`);
    users[name] = { client, id };
  }
  project = await createProject(owner, "Shared work");
  ownerTab = await agentTab(owner);
});

/** The owner's conversation in the project, with one answered turn (started once, on first use). */
let started: Promise<string> | null = null;
const ownerConversation = (): Promise<string> =>
  (started ??= (async () => {
    const s = (await ownerTab.ok<{ session_id: string }>("session.create", { project_id: project }))
      .session_id;
    await ownerTab.ok("session.subscribe", { session_id: s });
    w.fx.enqueue([{ text: "owner answer" }]);
    await ownerTab.ok("prompt", { session_id: s, message: "hello from owner", client_id: "o-1" });
    await ownerTab.waitIdle(s, 1, 180_000);
    ownerSession = s;
    return s;
  })());
afterAll(async () => {
  if (process.env.SHARE_LOGS) await Bun.write(process.env.SHARE_LOGS, w.t.logs.join("\n"));
  await ownerTab?.close().catch(() => undefined);
  await w?.stop();
});

describe("membership", () => {
  test("before an invitation the project is not found for anyone else, like a missing one", async () => {
    for (const name of ["alice", "mallory"] as const) {
      const c = users[name].client;
      expect((await c.get(`/api/projects/${project}`)).code).toBe("not_found");
      expect((await c.get(members())).code).toBe("not_found");
      expect((await c.post(members(), { username: "vera", role: "viewer" })).code).toBe("not_found");
    }
    const missing = "prj_00000000000000000000000000";
    expect((await owner.get(members(missing))).code).toBe("not_found");
  });

  test("the owner invites by user name with a role; bad input has clear codes", async () => {
    const bad = [
      [{ username: "nobody-here", role: "viewer" }, "not_found"],
      [{ username: "alice", role: "admin" }, "validation_failed"],
      [{ username: "alice" }, "validation_failed"],
      [{ username: w.t.admin.username, role: "editor" }, "validation_failed"],
      [{ username: "alice", role: "editor", extra: 1 }, "validation_failed"],
    ] as const;
    for (const [body, code] of bad) expect((await owner.post(members(), body)).code).toBe(code);

    const a = await owner.post<{ member: { username: string; role: string; terminal: boolean } }>(members(), {
      username: "alice",
      role: "editor",
    });
    expect(a.status).toBe(200);
    expect(a.body.member).toMatchObject({ username: "alice", role: "editor", terminal: false });
    expect((await owner.post(members(), { username: "alice", role: "viewer" })).code).toBe("conflict");
    const v = await owner.post(members(), { username: "vera", role: "viewer" });
    expect(v.status).toBe(200);

    // Members read the list; only the owner changes it (a member is forbidden, a stranger not found).
    const list = await users.vera.client.get<{ owner: string; members: { username: string }[] }>(members());
    expect(list.status).toBe(200);
    expect(list.body.owner).toBe(w.t.admin.username);
    expect(list.body.members.map((m) => m.username).sort()).toEqual(["alice", "vera"]);
    expect((await users.alice.client.post(members(), { username: "mallory", role: "viewer" })).code).toBe(
      "forbidden",
    );
    expect((await patch(users.alice.client, `${members()}/${users.vera.id}`, { role: "editor" })).code).toBe(
      "forbidden",
    );
    expect((await users.vera.client.delete(`${members()}/${users.alice.id}`)).code).toBe("forbidden");
    expect((await users.mallory.client.get(members())).code).toBe("not_found");
    expect((await patch(owner, `${members()}/${users.mallory.id}`, { role: "editor" })).code).toBe(
      "not_found",
    );
  });

  test("members see the project under 'shared' with the owner's name and their role", async () => {
    const r = await users.alice.client.get<{
      projects: { id: string }[];
      shared: { id: string; name: string; share: { role: string; owner: string; terminal: boolean } }[];
    }>("/api/projects");
    expect(r.body.projects.map((p) => p.id)).not.toContain(project);
    expect(r.body.shared).toEqual([
      expect.objectContaining({
        id: project,
        name: "Shared work",
        share: { role: "editor", owner: w.t.admin.username, terminal: false },
      }),
    ]);
    const one = await users.vera.client.get<{ project: { share: { role: string } } }>(
      `/api/projects/${project}`,
    );
    expect(one.body.project.share.role).toBe("viewer");
    expect((await users.mallory.client.get<{ shared: unknown[] }>("/api/projects")).body.shared).toEqual([]);
  });

  test("project settings and deletion stay the owner's", async () => {
    for (const name of ["alice", "vera"] as const) {
      expect((await patch(users[name].client, `/api/projects/${project}`, { name: "Mine" })).code).toBe(
        "forbidden",
      );
      expect((await users[name].client.delete(`/api/projects/${project}`)).code).toBe("forbidden");
    }
    expect((await patch(users.mallory.client, `/api/projects/${project}`, { name: "Mine" })).code).toBe(
      "not_found",
    );
    expect((await users.mallory.client.delete(`/api/projects/${project}`)).code).toBe("not_found");
  });

  test("areas that are not shared answer not_found to members, exactly as to strangers", async () => {
    await ownerConversation();
    const paths = [
      `/api/projects/${project}/tasks`,
      `/api/projects/${project}/memories`,
      `/api/projects/${project}/canvas`,
      `/api/projects/${project}/schedules`,
      `/api/projects/${project}/hooks`,
      `/api/projects/${project}/changes`,
      `/api/sessions/${ownerSession}/changes`,
      `/api/sessions/${ownerSession}/checkpoints`,
    ];
    for (const path of paths) {
      expect([path, (await owner.get(path)).status]).toEqual([path, 200]);
      for (const name of ["alice", "vera", "mallory"] as const)
        expect([path, (await users[name].client.get(path)).code]).toEqual([path, "not_found"]);
    }
    const posts = [
      [`/api/projects/${project}/tasks`, { title: "x" }],
      [`/api/projects/${project}/memories`, { text: "x" }],
      [`/api/projects/${project}/hooks`, { name: "x", template: "{{body}}" }],
      [`/api/projects/${project}/schedules`, { name: "x", prompt: "x", cron: "0 9 * * *" }],
      [`/api/projects/${project}/restore`, { checkpoint_id: `cpt_${"0".repeat(28)}`, preview: true }],
      [`/api/projects/${project}/discard`, { path: "AGENTS.md" }],
      [`/api/projects/${project}/git/stage`, { paths: ["AGENTS.md"] }],
      [`/api/projects/${project}/git/commit`, { message: "x" }],
      [`/api/sessions/${ownerSession}/restore`, { message_id: `msg_${"0".repeat(28)}`, preview: true }],
      [`/api/sessions/${ownerSession}/discard`, { path: "AGENTS.md" }],
    ] as const;
    for (const [path, body] of posts)
      for (const name of ["alice", "vera", "mallory"] as const) {
        const r = await users[name].client.post(path, body);
        // A body the route refuses first would say nothing about access: it must be not_found.
        expect([path, name, r.code]).toEqual([path, name, "not_found"]);
      }
    // The agent's browser (watch, take over) stays the owner's on the mux too.
    const tab = await muxTab(users.alice.client);
    try {
      for (const [cmd, body] of [
        ["watch", {}],
        ["control", { take: true }],
      ] as const) {
        const r = await tab.cmd(cmd, { session_id: ownerSession, ...body }, "browser");
        expect([cmd, r.error?.code]).toEqual([cmd, "not_found"]);
      }
    } finally {
      await tab.close();
    }
  });
});

describe("conversations", () => {
  test("viewers read and watch live; they cannot send; strangers get not_found on every command", async () => {
    await ownerConversation();
    const vera = await agentTab(users.vera.client);
    const mallory = await agentTab(users.mallory.client);
    try {
      await vera.ok("session.subscribe", { session_id: ownerSession });
      await vera.waitEvent(ownerSession, (f) => f.event === "agent.idle", "the owner's turn replayed");
      expect(vera.text(ownerSession)).toContain("owner answer");
      expect((await mallory.cmd("session.subscribe", { session_id: ownerSession })).error).toMatchObject({
        code: "not_found",
      });

      const listed = await users.vera.client.get<{ sessions: { id: string }[] }>(
        `/api/projects/${project}/sessions`,
      );
      expect(listed.body.sessions.map((s) => s.id)).toContain(ownerSession);
      const msgs = await users.vera.client.get<{ messages: unknown[] }>(
        `/api/sessions/${ownerSession}/messages`,
      );
      expect(msgs.status).toBe(200);
      expect(msgs.body.messages.length).toBeGreaterThanOrEqual(2);
      expect((await users.vera.client.get(`/api/sessions/${ownerSession}`)).status).toBe(200);
      for (const path of [
        `/api/projects/${project}/sessions`,
        `/api/sessions/${ownerSession}`,
        `/api/sessions/${ownerSession}/messages`,
      ])
        expect((await users.mallory.client.get(path)).code).toBe("not_found");
      expect(
        (await users.mallory.client.get<{ sessions: unknown[] }>("/api/sessions")).body.sessions,
      ).toEqual([]);

      const s = ownerSession;
      const commands: [string, Record<string, unknown>][] = [
        ["prompt", { session_id: s, message: "x", client_id: "v-1" }],
        ["steer", { session_id: s, message: "x", client_id: "v-2" }],
        ["follow_up", { session_id: s, message: "x", client_id: "v-3" }],
        ["abort", { session_id: s }],
        ["set_model", { session_id: s, model: "fx/fake-r" }],
        ["set_thinking_level", { session_id: s, level: "low" }],
        ["set_session_name", { session_id: s, name: "mine" }],
        ["compact", { session_id: s }],
        ["fork", { session_id: s, message_id: "msg_0000000000000000000000000000" }],
        ["queue.remove", { session_id: s, client_id: "o-1" }],
        ["session.close", { session_id: s }],
        ["session.delete", { session_id: s }],
      ];
      for (const [cmd, body] of commands) {
        expect([cmd, (await vera.cmd(cmd, body)).error?.code]).toEqual([cmd, "forbidden"]);
        expect([cmd, (await mallory.cmd(cmd, body)).error?.code]).toEqual([cmd, "not_found"]);
      }
      for (const cmd of ["get_messages", "get_state"]) {
        expect([cmd, (await vera.cmd(cmd, { session_id: s })).ok]).toEqual([cmd, true]);
        expect([cmd, (await mallory.cmd(cmd, { session_id: s })).error?.code]).toEqual([cmd, "not_found"]);
      }
      expect((await vera.cmd("session.create", { project_id: project })).error?.code).toBe("forbidden");
      expect((await mallory.cmd("session.create", { project_id: project })).error?.code).toBe("not_found");
    } finally {
      await vera.close();
      await mallory.close();
    }
  });

  test("an editor chats in the owner's project: the owner sees it live, with the editor's name; usage is theirs", async () => {
    const alice = await agentTab(users.alice.client);
    try {
      const { session_id: s } = await alice.ok<{ session_id: string }>("session.create", {
        project_id: project,
      });
      await alice.ok("session.subscribe", { session_id: s });
      await ownerTab.ok("session.subscribe", { session_id: s });
      w.fx.enqueue([{ text: "answer for alice" }]);
      await alice.ok("prompt", { session_id: s, message: "hello from alice", client_id: "a-1" });
      await ownerTab.waitIdle(s, 1, 180_000);
      expect(ownerTab.text(s)).toBe("answer for alice");
      const author = ownerTab.events(s).find((f) => f.event === "message.author");
      expect(author).toMatchObject({ client_id: "a-1", user_id: users.alice.id, username: "alice" });
      // The reply is alice's to be told about: her bell has it, the owner's does not.
      const bellOf = async (c: Client) =>
        (await c.get<{ notifications: Notice[] }>("/api/notifications")).body.notifications.filter(
          (n) => n.session_id === s && n.kind === "turn.finished",
        );
      await waitUntil("alice's reply notice", async () => (await bellOf(users.alice.client)).length === 1);
      expect(await bellOf(owner)).toEqual([]);
      // The conversation lives in the owner's project, runner and history, attributed to alice.
      const info = await owner.get<{ session: { created_by: string; project_id: string } }>(
        `/api/sessions/${s}`,
      );
      expect(info.body.session).toMatchObject({ created_by: users.alice.id, project_id: project });
      const row = w.t.server.ctx.db.query("SELECT user_id, created_by FROM sessions WHERE id = ?").get(s);
      expect(row).toEqual({ user_id: (await ownerId()) as string, created_by: users.alice.id });
      // Budgets: what alice's conversation cost is counted as hers.
      const usage = w.t.server.ctx.db
        .query<{ user_id: string }, [string]>("SELECT DISTINCT user_id FROM llm_usage WHERE session_id = ?")
        .all(s);
      expect(usage).toEqual([{ user_id: users.alice.id }]);
      // The owner's own prompt in that conversation is named as theirs.
      w.fx.enqueue([{ text: "answer for owner" }]);
      await ownerTab.ok("prompt", { session_id: s, message: "owner here", client_id: "o-2" });
      await ownerTab.waitIdle(s, 2, 180_000);
      const authors = ownerTab.events(s).filter((f) => f.event === "message.author");
      expect(authors.map((f) => f.username)).toEqual(["alice", w.t.admin.username]);
      // … and that turn is the owner's to be told about.
      await waitUntil("the owner's reply notice", async () => (await bellOf(owner)).length === 1);
      expect(await bellOf(users.alice.client)).toHaveLength(1);
      // An editor may not delete the owner's conversation; they may delete their own.
      expect((await alice.cmd("session.delete", { session_id: ownerSession })).error?.code).toBe("forbidden");
      await ownerTab.ok("session.unsubscribe", { session_id: s });
      await alice.ok("session.delete", { session_id: s });
      expect((await owner.get(`/api/sessions/${s}`)).code).toBe("not_found");
    } finally {
      await alice.close();
    }
  });
});

interface Notice {
  kind: string;
  session_id: string | null;
}

async function ownerId(): Promise<string> {
  const me = await owner.get<{ user: { id: string } }>("/api/auth/me");
  return me.body.user.id;
}

describe("finding conversations", () => {
  test("members find the project's conversations in the list and in search; strangers do not", async () => {
    const s = await ownerConversation();
    type Hit = { session_id: string; project_id: string; snippet: string };
    const search = (c: Client, q: string, projectId?: string) =>
      c.get<{ hits: Hit[] }>(`/api/sessions/search?q=${q}${projectId ? `&project_id=${projectId}` : ""}`);
    for (const name of ["alice", "vera"] as const) {
      const c = users[name].client;
      // "All of mine" holds the shared project's conversations too.
      const listed = await c.get<{ sessions: { id: string }[] }>("/api/sessions");
      expect(listed.body.sessions.map((x) => x.id)).toContain(s);
      // Search, in the project and across everything they can read, finds the owner's message.
      for (const scoped of [project, undefined]) {
        const found = await search(c, "owner", scoped);
        expect(found.status).toBe(200);
        expect(found.body.hits.filter((h) => h.session_id === s).map((h) => h.project_id)).not.toHaveLength(
          0,
        );
        expect(found.body.hits.every((h) => h.project_id === project)).toBe(true);
      }
    }
    // A stranger: the project is not found; their own search and list show nothing of it.
    expect((await search(users.mallory.client, "owner", project)).code).toBe("not_found");
    expect((await search(users.mallory.client, "owner")).body.hits).toEqual([]);
    const strangers = await users.mallory.client.get<{ sessions: { id: string }[] }>("/api/sessions");
    expect(strangers.body.sessions.map((x) => x.id)).not.toContain(s);
    // Bad input keeps its clear error.
    expect((await search(users.alice.client, "***")).code).toBe("validation_failed");
  });
});

describe("files", () => {
  const files = (c: MuxClient, cmd: string, body: Record<string, unknown>) =>
    c.cmd(cmd, { project_id: project, ...body }, "files");

  test("viewers read, editors write (recorded as theirs), strangers get not_found", async () => {
    const alice = await muxTab(users.alice.client);
    const vera = await muxTab(users.vera.client);
    const mallory = await muxTab(users.mallory.client);
    try {
      expect((await files(alice, "write", { path: "notes.md", content: "by alice" })).ok).toBe(true);
      const read = await files(vera, "read", { path: "notes.md" });
      expect(read.ok).toBe(true);
      expect(JSON.stringify(read.data)).toContain("by alice");
      expect((await files(vera, "list", { path: "" })).ok).toBe(true);
      const writes: [string, Record<string, unknown>][] = [
        ["write", { path: "v.md", content: "x" }],
        ["mkdir", { path: "vdir" }],
        ["move", { from: "notes.md", to: "moved.md" }],
        ["delete", { path: "notes.md" }],
      ];
      for (const [cmd, body] of writes) {
        expect([cmd, (await files(vera, cmd, body)).error?.code]).toEqual([cmd, "forbidden"]);
        expect([cmd, (await files(mallory, cmd, body)).error?.code]).toEqual([cmd, "not_found"]);
      }
      for (const [cmd, body] of [
        ["read", { path: "notes.md" }],
        ["list", { path: "" }],
        ["stat", { path: "notes.md" }],
        ["watch", {}],
      ] as const)
        expect([cmd, (await files(mallory, cmd, body)).error?.code]).toEqual([cmd, "not_found"]);

      // Bulk bytes over HTTP: the same roles.
      const dl = `/api/projects/${project}/files/download?path=notes.md`;
      const got = await fetch(`${w.t.url}${dl}`, {
        headers: { cookie: `octo_session=${users.vera.client.cookie}` },
      });
      expect([got.status, await got.text()]).toEqual([200, "by alice"]);
      expect((await users.mallory.client.get(dl)).code).toBe("not_found");
      const upload = async (c: Client) => {
        const form = new FormData();
        form.append("file", new File(["uploaded"], "up.txt"));
        return fetch(`${w.t.url}/api/projects/${project}/files/upload?path=`, {
          method: "POST",
          headers: { cookie: `octo_session=${c.cookie}`, origin: w.t.url },
          body: form,
        });
      };
      expect((await upload(users.vera.client)).status).toBe(403);
      expect((await upload(users.mallory.client)).status).toBe(404);
      expect((await upload(users.alice.client)).status).toBe(200);

      const log = w.t.server.ctx.db
        .query<{ user_id: string; op: string; path: string }, [string]>(
          "SELECT user_id, op, path FROM project_file_changes WHERE project_id = ? ORDER BY id",
        )
        .all(project);
      expect(log).toEqual([
        { user_id: users.alice.id, op: "write", path: "notes.md" },
        { user_id: users.alice.id, op: "upload", path: "up.txt" },
      ]);
    } finally {
      await Promise.all([alice.close(), vera.close(), mallory.close()]);
    }
  });
});

describe("terminals", () => {
  test("only with the owner's terminal grant, and it ends when the grant is taken", async () => {
    const alice = await muxTab(users.alice.client);
    const mallory = await muxTab(users.mallory.client);
    try {
      const open = { project_id: project, cols: 80, rows: 24 };
      expect((await alice.cmd("open", open)).error?.code).toBe("forbidden");
      expect((await mallory.cmd("open", open)).error?.code).toBe("not_found");
      expect((await alice.cmd("list", { project_id: project })).error?.code).toBe("forbidden");
      const granted = await patch(owner, `${members()}/${users.alice.id}`, { terminal: true });
      expect(granted.body).toMatchObject({ member: { terminal: true, role: "editor" } });
      const { terminal } = await alice.ok<{ terminal: { terminal_id: string } }>("open", open);
      const t = terminal.terminal_id;
      await alice.ok("attach", { terminal_id: t });
      await alice.input(t, "echo shared-$((40+2))\n");
      await alice.waitText(t, "shared-42", 60_000);
      // The shell is in the owner's project folder.
      await alice.input(t, "ls\n");
      await alice.waitText(t, "notes.md", 60_000);
      expect((await mallory.cmd("input", { terminal_id: t, data: "x" })).error?.code).toBe("not_found");
      expect((await mallory.cmd("attach", { terminal_id: t })).error?.code).toBe("not_found");

      await patch(owner, `${members()}/${users.alice.id}`, { terminal: false });
      await alice.waitEvent(t, "exit", 30_000);
      expect((await alice.cmd("input", { terminal_id: t, data: "x" })).error?.code).toBe("not_found");
      expect((await alice.cmd("open", open)).error?.code).toBe("forbidden");
    } finally {
      await Promise.all([alice.close(), mallory.close()]);
    }
  });
});

describe("role changes and removal take effect at once", () => {
  test("an editor lowered to viewer can no longer send; removed, every open view ends", async () => {
    await ownerConversation();
    const alice = await agentTab(users.alice.client);
    try {
      await alice.ok("session.subscribe", { session_id: ownerSession });
      expect((await alice.mux.cmd("watch", { project_id: project }, "files")).ok).toBe(true);
      await patch(owner, `${members()}/${users.alice.id}`, { role: "viewer" });
      const refused = await alice.cmd("prompt", { session_id: ownerSession, message: "x", client_id: "a-9" });
      expect(refused.error?.code).toBe("forbidden");
      // Still a viewer: the watch holds.
      expect(alice.mux.frames.some((f) => f.event === "watch.ended")).toBe(false);

      expect((await owner.delete(`${members()}/${users.alice.id}`)).status).toBe(200);
      const ended = await alice.mux.waitFor("watch.ended", () =>
        alice.mux.frames.find((f) => f.event === "watch.ended"),
      );
      expect(ended).toEqual({
        ch: "system",
        event: "watch.ended",
        session_id: ownerSession,
        reason: "access_revoked",
      });
      const filesClosed = await alice.mux.waitFor("files watch closed", () =>
        alice.mux.frames.find((f) => f.ch === "files" && f.event === "changes" && f.closed === true),
      );
      expect(filesClosed.project_id).toBe(project);
      // Events of the session no longer reach her.
      const before = alice.events(ownerSession).length;
      w.fx.enqueue([{ text: "after removal" }]);
      await ownerTab.ok("prompt", { session_id: ownerSession, message: "still here?", client_id: "o-3" });
      await ownerTab.waitEvent(
        ownerSession,
        (f) => f.event === "agent.idle" && ownerTab.text(ownerSession).includes("after removal"),
        "owner turn",
        120_000,
      );
      expect(alice.events(ownerSession).length).toBe(before);
      expect((await alice.cmd("session.subscribe", { session_id: ownerSession })).error?.code).toBe(
        "not_found",
      );
      expect((await users.alice.client.get(`/api/projects/${project}`)).code).toBe("not_found");
      expect((await users.alice.client.get<{ shared: unknown[] }>("/api/projects")).body.shared).toEqual([]);
    } finally {
      await alice.close();
    }
  });

  test("a member may leave; the owner cannot", async () => {
    expect((await owner.delete(`${members()}/${await ownerId()}`)).code).toBe("validation_failed");
    expect((await users.vera.client.delete(`${members()}/${users.vera.id}`)).status).toBe(200);
    expect((await users.vera.client.get(`/api/projects/${project}`)).code).toBe("not_found");
    expect((await users.vera.client.get(members())).code).toBe("not_found");
  });
});

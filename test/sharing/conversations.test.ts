// Sharing a conversation read-only (issue 15): the owner shares with named users or everyone; a
// grantee watches it live (the same exactly-once stream), reads it, forks it into a project of their
// own; nothing else. Revoking ends an open viewer's watch at once. Three real users, real sockets,
// real runner and pi; the LLM is the scripted fixture.

import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { newSessionRow } from "../../src/sessions/new-row.ts";
import { sessionsRepo } from "../../src/storage/sessions.ts";
import { Client } from "../http/client.ts";
import { addUser } from "../http/harness.ts";
import {
  AgentTab,
  assertGapFree,
  createProject,
  type SessionWorld,
  startWorld,
} from "../sessions/harness.ts";
import type { Frame } from "../terminals/harness.ts";

setDefaultTimeout(240_000);

let w: SessionWorld;
let owner: Client; // the admin owns the conversations
let bob: Client; // a named grantee
let carol: Client; // a stranger (until "everyone")
let bobId: string;
let carolId: string;
let projectId: string;
let tab: AgentTab;
let session: string;
let turns = 0;

const PW = "share-password-123";

function sharesInDb(sessionId?: string): number {
  const db = w.t.server.ctx.db;
  return sessionId
    ? (
        db.query("SELECT COUNT(*) AS n FROM session_shares WHERE session_id = ?").get(sessionId) as {
          n: number;
        }
      ).n
    : (db.query("SELECT COUNT(*) AS n FROM session_shares").get() as { n: number }).n;
}

async function say(word: string, reply = `heard ${word}`): Promise<void> {
  w.fx.enqueue([{ text: reply }]);
  turns++;
  await tab.ok("prompt", { session_id: session, message: word, client_id: `c-${session}-${turns}` });
  await tab.waitIdle(session, turns, 120_000);
}

beforeAll(async () => {
  w = await startWorld();
  owner = w.admin;
  bobId = await addUser(owner, "bob", PW);
  carolId = await addUser(owner, "carol", PW);
  bob = new Client(w.t.url);
  await bob.login("bob", PW);
  carol = new Client(w.t.url);
  await carol.login("carol", PW);
  projectId = await createProject(owner, "Owner's");
  tab = await AgentTab.open(w.t.url, owner.cookie);
  ({ session_id: session } = await tab.ok<{ session_id: string }>("session.create", {
    project_id: projectId,
  }));
  await tab.ok("session.subscribe", { session_id: session });
  await tab.waitEvent(session, (f) => f.event === "session.state", "the agent", 150_000);
  await say("ALPHA question", "ALPHA answer");
});
afterAll(async () => {
  await tab?.close();
  await w?.stop();
});

describe("managing shares", () => {
  test("bad input is refused with stable codes", async () => {
    const base = `/api/sessions/${session}/shares`;
    expect((await owner.post(base, {})).code).toBe("validation_failed");
    expect((await owner.post(base, { username: "bob", everyone: true })).code).toBe("validation_failed");
    expect((await owner.post(base, { everyone: false })).code).toBe("validation_failed");
    const nobody = await owner.post(base, { username: "nobody-here" });
    expect([nobody.status, nobody.code]).toEqual([404, "not_found"]);
    const self = await owner.post(base, { username: w.t.admin.username });
    expect([self.status, self.code]).toEqual([422, "validation_failed"]);
    expect((await owner.delete(`${base}/bob`)).code).toBe("not_found");
    expect(sharesInDb()).toBe(0);
  });

  test("the owner shares with a named user, lists and removes the share; the grantee's list follows", async () => {
    const listen = await AgentTab.open(w.t.url, bob.cookie);
    const r = await owner.post<{ share: { kind: string; username: string } }>(
      `/api/sessions/${session}/shares`,
      {
        username: "bob",
      },
    );
    expect(r.status).toBe(200);
    expect(r.body.share).toMatchObject({ kind: "user", username: "bob" });
    // Sharing twice keeps one share.
    expect((await owner.post(`/api/sessions/${session}/shares`, { username: "bob" })).status).toBe(200);
    const list = await owner.get<{ shares: { kind: string; username: string | null }[] }>(
      `/api/sessions/${session}/shares`,
    );
    expect(list.body.shares.map((s) => s.username)).toEqual(["bob"]);
    // Bob's open tab is told to reload "Shared with me".
    await listen.mux.waitFor("shares.changed", () =>
      listen.mux.frames.find((f) => f.event === "shares.changed"),
    );
    const mine = await bob.get<{ sessions: { id: string; owner: string; title: string }[] }>("/api/shared");
    expect(mine.body.sessions.map((s) => [s.id, s.owner])).toEqual([[session, w.t.admin.username]]);
    expect((await bob.get(`/api/shared/${session}`)).status).toBe(200);
    expect((await carol.get<{ sessions: unknown[] }>("/api/shared")).body.sessions).toEqual([]);
    expect((await carol.get(`/api/shared/${session}`)).code).toBe("not_found");
    // The owner's own conversation is not "shared with me" for the owner.
    expect((await owner.get<{ sessions: unknown[] }>("/api/shared")).body.sessions).toEqual([]);

    const gone = await owner.delete(`/api/sessions/${session}/shares/bob`);
    expect(gone.status).toBe(200);
    await listen.mux.waitFor(
      "second shares.changed",
      () => listen.mux.frames.filter((f) => f.event === "shares.changed").length >= 2 || undefined,
    );
    expect((await bob.get<{ sessions: unknown[] }>("/api/shared")).body.sessions).toEqual([]);
    expect(sharesInDb(session)).toBe(0);
    await listen.close();
  });

  test("only the owner manages shares: a grantee and a stranger get not_found, as for a missing session", async () => {
    await owner.post(`/api/sessions/${session}/shares`, { username: "bob" });
    const missing = "ses_0000000000000000000000000000";
    for (const c of [bob, carol]) {
      for (const id of [session, missing]) {
        const list = await c.get(`/api/sessions/${id}/shares`);
        expect([list.status, list.code]).toEqual([404, "not_found"]);
        const add = await c.post(`/api/sessions/${id}/shares`, { username: "carol" });
        expect([add.status, add.code]).toEqual([404, "not_found"]);
        const everyone = await c.post(`/api/sessions/${id}/shares`, { everyone: true });
        expect([everyone.status, everyone.code]).toEqual([404, "not_found"]);
        const del = await c.delete(`/api/sessions/${id}/shares/bob`);
        expect([del.status, del.code]).toEqual([404, "not_found"]);
      }
    }
    expect(sharesInDb(session)).toBe(1);
  });

  test("the user directory: signed-in only, usernames only, never the caller", async () => {
    const anon = new Client(w.t.url);
    expect((await anon.get("/api/users/directory?q=b")).status).toBe(401);
    const r = await owner.get<{ users: Record<string, unknown>[] }>("/api/users/directory?q=bo");
    expect(r.body.users).toEqual([{ username: "bob", display_name: "bob" }]);
    const all = await bob.get<{ users: { username: string }[] }>("/api/users/directory");
    expect(all.body.users.map((u) => u.username).sort()).toEqual([w.t.admin.username, "carol"].sort());
    expect((await bob.get("/api/users/directory?q=%25")).body).toEqual({ users: [] });
  });
});

describe("a grantee reads, and changes nothing", () => {
  test("every mutating agent command, and every other channel and route, refuses a grantee and a stranger", async () => {
    const bobTab = await AgentTab.open(w.t.url, bob.cookie);
    const carolTab = await AgentTab.open(w.t.url, carol.cookie);
    // Reading: the grantee may, the stranger may not.
    expect((await bobTab.cmd("session.subscribe", { session_id: session })).ok).toBe(true);
    const page = await bobTab.ok<{ messages: { role: string }[] }>("get_messages", { session_id: session });
    expect(page.messages.map((m) => m.role)).toEqual(["user", "assistant"]);
    for (const cmd of ["session.subscribe", "get_messages"]) {
      const r = await carolTab.cmd(cmd, { session_id: session });
      expect([cmd, r.error?.code]).toEqual([cmd, "not_found"]);
    }
    const messageId = (
      await tab.ok<{ messages: { id: string; role: string }[] }>("get_messages", {
        session_id: session,
      })
    ).messages.find((m) => m.role === "user")?.id;
    const mutating: [string, Record<string, unknown>][] = [
      ["prompt", { message: "hi", client_id: "x-1" }],
      ["steer", { message: "hi", client_id: "x-2" }],
      ["follow_up", { message: "hi", client_id: "x-3" }],
      ["abort", {}],
      ["queue.remove", { client_id: "x-1" }],
      ["queue.edit", { client_id: "x-1", message: "x" }],
      ["queue.send_now", { client_id: "x-1" }],
      ["input_response", { request_id: "r1", cancelled: true }],
      ["get_state", {}],
      ["set_model", { model: "fx/fake-1" }],
      ["set_thinking_level", { level: "high" }],
      ["compact", {}],
      ["set_session_name", { name: "mine now" }],
      ["fork", { message_id: messageId }],
      ["session.close", {}],
      ["session.delete", {}],
    ];
    for (const t of [bobTab, carolTab]) {
      for (const [cmd, body] of mutating) {
        const r = await t.cmd(cmd, { session_id: session, ...body });
        expect([cmd, r.ok, r.error?.code]).toEqual([cmd, false, "not_found"]);
      }
      // Other channels: the browser (takeover, watch), a terminal, files, live changes of the project.
      const other: [string, string, Record<string, unknown>][] = [
        ["browser", "watch", { session_id: session, frames: true }],
        ["browser", "control", { session_id: session, take: true }],
        ["terminal", "open", { project_id: projectId, cols: 80, rows: 24 }],
        ["files", "list", { project_id: projectId, path: "" }],
        ["files", "write", { project_id: projectId, path: "x.txt", content: "x" }],
        ["changes", "watch", { project_id: projectId }],
      ];
      for (const [ch, cmd, body] of other) {
        const r = await t.mux.cmd(cmd, body, ch);
        expect([ch, cmd, r.ok, r.error?.code]).toEqual([ch, cmd, false, "not_found"]);
      }
    }
    // HTTP: the session's own routes, review and undo, and the project's records.
    for (const c of [bob, carol]) {
      const routes: [string, string, unknown?][] = [
        ["GET", `/api/sessions/${session}`],
        ["GET", `/api/sessions/${session}/messages`],
        ["GET", `/api/sessions/${session}/changes`],
        ["GET", `/api/sessions/${session}/checkpoints`],
        ["POST", `/api/sessions/${session}/restore`, { message_id: messageId }],
        ["POST", `/api/sessions/${session}/discard`, { path: "x.txt" }],
        ["GET", `/api/projects/${projectId}`],
        ["GET", `/api/projects/${projectId}/sessions`],
        ["GET", `/api/projects/${projectId}/canvas`],
        ["GET", `/api/projects/${projectId}/memories`],
        ["POST", `/api/projects/${projectId}/memories`, { text: "mine" }],
        ["GET", `/api/projects/${projectId}/tasks`],
        ["GET", `/api/projects/${projectId}/files?path=`],
      ];
      for (const [method, path, body] of routes) {
        const r = await c.request(method, path, body === undefined ? {} : { body });
        expect([method, path, r.status]).toEqual([method, path, 404]);
      }
    }
    // Still the owner's, untouched.
    const state = await tab.ok<{ name?: string }>("get_state", { session_id: session });
    expect(state.name).not.toBe("mine now");
    await bobTab.close();
    await carolTab.close();
  });
});

describe("live view and revoking", () => {
  test("a grantee sees an answer stream live: the same events as the owner, exactly once", async () => {
    const bobTab = await AgentTab.open(w.t.url, bob.cookie);
    await bobTab.ok("session.subscribe", { session_id: session });
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    w.fx.enqueue([
      { text: "LIVE part one", chunks: 1 },
      { until: gate },
      { text: " and part two", chunks: 1 },
    ]);
    turns++;
    await tab.ok("prompt", {
      session_id: session,
      message: "stream please",
      client_id: `c-${session}-${turns}`,
    });
    // Seen mid-stream by the viewer (the reply is held open after its first part).
    await bobTab.waitEvent(
      session,
      (f) => f.event === "stream.text_delta" && String(f.delta).includes("LIVE"),
      "delta",
    );
    release();
    await tab.waitIdle(session, turns, 120_000);
    const last = tab.events(session).at(-1)?.seq as number;
    await bobTab.mux.waitFor("viewer caught up", () => bobTab.events(session).some((f) => f.seq === last));
    const ownerSeen = tab.events(session).map((f) => [f.seq, f.event]);
    const bobSeen = bobTab.events(session).map((f) => [f.seq, f.event]);
    assertGapFree(bobTab.events(session));
    expect(bobSeen).toEqual(ownerSeen.filter(([seq]) => (seq as number) >= (bobSeen[0]?.[0] as number)));
    expect(bobSeen[0]?.[0]).toBe(1);
    expect(bobTab.text(session)).toContain("LIVE part one and part two");
    await bobTab.close();
  });

  test("a rename and a finished turn refresh the grantee's 'Shared with me' at once", async () => {
    await owner.post(`/api/sessions/${session}/shares`, { username: "bob" });
    const listen = await AgentTab.open(w.t.url, bob.cookie);
    const refreshes = () => listen.mux.frames.filter((f) => f.event === "shares.changed").length;
    await tab.ok("set_session_name", { session_id: session, name: "Quarterly numbers" });
    await listen.mux.waitFor("shares.changed after the rename", () => refreshes() >= 1 || undefined);
    const titled = await bob.get<{ sessions: { id: string; title: string }[] }>("/api/shared");
    expect(titled.body.sessions.map((s) => [s.id, s.title])).toEqual([[session, "Quarterly numbers"]]);
    // The owner continues the conversation: when the turn ends, the list is told again (its row's
    // time moves with the session's activity, written at most once per activity interval).
    const seen = refreshes();
    w.fx.enqueue([{ text: "more numbers" }]);
    turns++;
    await tab.ok("prompt", { session_id: session, message: "go on", client_id: `c-${session}-${turns}` });
    await tab.waitIdle(session, turns, 120_000);
    await listen.mux.waitFor("shares.changed after the turn", () => refreshes() > seen || undefined);
    // A stranger's socket hears nothing of it.
    const carolTab = await AgentTab.open(w.t.url, carol.cookie);
    await tab.ok("set_session_name", { session_id: session, name: "Quarterly numbers, final" });
    await listen.mux.waitFor("the second rename", () => refreshes() > seen + 1 || undefined);
    expect(carolTab.mux.frames.some((f) => f.event === "shares.changed")).toBe(false);
    await carolTab.close();
    await listen.close();
  });

  test("revoking mid-stream ends the viewer's watch at once; nothing more reaches them; the next watch is refused", async () => {
    const bobTab = await AgentTab.open(w.t.url, bob.cookie);
    await bobTab.ok("session.subscribe", { session_id: session });
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    try {
      w.fx.enqueue([
        { text: "SECRET start", chunks: 1 },
        { until: gate },
        { text: " SECRET rest", chunks: 1 },
      ]);
      turns++;
      await tab.ok("prompt", { session_id: session, message: "another", client_id: `c-${session}-${turns}` });
      await bobTab.waitEvent(
        session,
        (f) => f.event === "stream.text_delta" && String(f.delta).includes("SECRET start"),
        "delta",
      );

      const r = await owner.delete(`/api/sessions/${session}/shares/bob`);
      expect(r.status).toBe(200);
      // The response comes after the watch has ended: the frame is already on its way.
      const ended = await bobTab.mux.waitFor("watch.ended", () =>
        bobTab.mux.frames.find((f: Frame) => f.event === "watch.ended"),
      );
      expect(ended).toEqual({
        ch: "system",
        event: "watch.ended",
        session_id: session,
        reason: "access_revoked",
      });
    } catch (e) {
      release();
      throw e;
    }
    const seenAtRevoke = bobTab.events(session).length;
    release();
    await tab.waitIdle(session, turns, 120_000);
    expect(tab.text(session)).toContain("SECRET start SECRET rest");
    // A marker after the turn: once bob's socket has answered it, anything sent before would be here.
    await bobTab
      .ok("get_messages", { session_id: "ses_0000000000000000000000000000" })
      .catch(() => undefined);
    expect(bobTab.events(session).length).toBe(seenAtRevoke);
    expect(bobTab.text(session)).not.toContain("SECRET rest");

    const again = await bobTab.cmd("session.subscribe", { session_id: session });
    expect(again.error?.code).toBe("not_found");
    expect((await bobTab.cmd("get_messages", { session_id: session })).error?.code).toBe("not_found");
    expect((await bob.get<{ sessions: unknown[] }>("/api/shared")).body.sessions).toEqual([]);
    expect(bobTab.mux.frames.some((f) => f.event === "shares.changed")).toBe(true);
    await bobTab.close();
  });

  test("'everyone' shares reach every signed-in user, and end for all at once", async () => {
    const carolTab = await AgentTab.open(w.t.url, carol.cookie);
    expect((await carolTab.cmd("session.subscribe", { session_id: session })).error?.code).toBe("not_found");
    const r = await owner.post<{ share: unknown }>(`/api/sessions/${session}/shares`, { everyone: true });
    expect(r.body.share).toMatchObject({ kind: "everyone", username: null });
    for (const c of [bob, carol])
      expect(
        (await c.get<{ sessions: { id: string }[] }>("/api/shared")).body.sessions.map((s) => s.id),
      ).toEqual([session]);
    await carolTab.ok("session.subscribe", { session_id: session });
    // Named and everyone at once: removing "everyone" leaves bob's named share.
    await owner.post(`/api/sessions/${session}/shares`, { username: "bob" });
    const bobTab = await AgentTab.open(w.t.url, bob.cookie);
    await bobTab.ok("session.subscribe", { session_id: session });
    expect((await owner.delete(`/api/sessions/${session}/shares/everyone`)).status).toBe(200);
    await carolTab.mux.waitFor("carol's watch ended", () =>
      carolTab.mux.frames.find((f) => f.event === "watch.ended" && f.session_id === session),
    );
    expect(bobTab.mux.frames.some((f) => f.event === "watch.ended")).toBe(false);
    // Bob's watch still carries the next turn.
    await say("after everyone");
    const last = tab.events(session).at(-1)?.seq as number;
    await bobTab.mux.waitFor("bob still live", () => bobTab.events(session).some((f) => f.seq === last));
    expect(carolTab.events(session).some((f) => f.seq === last)).toBe(false);
    await carolTab.close();
    await bobTab.close();
  });
});

describe("fork into my project", () => {
  test("the history is copied into the grantee's project, and their agent has it as context", async () => {
    const bobProject = await createProject(bob, "Bob's");
    // A stranger cannot fork it; bob cannot fork into someone else's project.
    expect((await carol.post(`/api/shared/${session}/fork`, {})).code).toBe("not_found");
    expect((await bob.post(`/api/shared/${session}/fork`, { project_id: projectId })).code).toBe("not_found");
    expect((await bob.post(`/api/shared/${session}/fork`, { project_id: "nope" })).code).toBe(
      "validation_failed",
    );

    const r = await bob.post<{ session_id: string; project_id: string }>(`/api/shared/${session}/fork`, {});
    expect(r.status).toBe(200);
    expect(r.body.project_id).toBe(bobProject);
    const fork = r.body.session_id;
    const info = await bob.get<{ session: { project_id: string; title: string } }>(`/api/sessions/${fork}`);
    expect(info.body.session.project_id).toBe(bobProject);
    expect(info.body.session.title).toContain(`(from ${w.t.admin.username})`);
    // The owner cannot see bob's copy.
    expect((await owner.get(`/api/sessions/${fork}`)).code).toBe("not_found");

    const bobTab = await AgentTab.open(w.t.url, bob.cookie);
    await bobTab.ok("session.subscribe", { session_id: fork });
    const copied = await bobTab.ok<{
      messages: { role: string; parts: { type: string; text?: string }[] }[];
    }>("get_messages", { session_id: fork });
    expect(copied.messages.some((m) => m.parts.some((p) => p.text === "ALPHA question"))).toBe(true);
    // The owner's token counts stay theirs: the copy's meters start at zero.
    expect(copied.messages.filter((m) => "usage" in m)).toEqual([]);

    // Its agent starts from the copied history (a pi session built from it): wait until it runs.
    await bobTab.waitEvent(fork, (f) => f.event === "session.state", "the fork's agent", 150_000);
    w.fx.enqueue([{ text: "FORKED reply" }]);
    const before = w.fx.requests.length;
    await bobTab.ok("prompt", { session_id: fork, message: "FOLLOW-UP in my fork", client_id: "bob-fork-1" });
    await bobTab.waitIdle(fork, 1, 120_000);
    expect(bobTab.text(fork)).toContain("FORKED reply");
    const first = w.fx.requests
      .slice(before)
      .find((q) => q.messages.some((m) => m.role === "user" && m.text.includes("FOLLOW-UP in my fork")));
    expect(first).toBeDefined();
    const texts = first?.messages.map((m) => `${m.role}:${m.text}`) ?? [];
    expect(texts).toContain("user:ALPHA question");
    expect(texts).toContain("assistant:ALPHA answer");
    expect(texts.findIndex((t) => t.includes("ALPHA question"))).toBeLessThan(
      texts.findIndex((t) => t.includes("FOLLOW-UP in my fork")),
    );
    // The copy is bob's own: the original did not change.
    expect(tab.text(session)).not.toContain("FORKED reply");
    await bobTab.close();
  });
});

describe("shares go with what they point at", () => {
  test("deleting the owner's account ends a viewer's watch at once and empties their list", async () => {
    const daveId = await addUser(owner, "dave", PW);
    const dave = new Client(w.t.url);
    await dave.login("dave", PW);
    const daveProject = await createProject(dave, "Dave's");
    // A conversation of dave's (its row only: no agent is needed to watch or to share it).
    const row = newSessionRow(
      {
        user_id: daveId,
        project_id: daveProject,
        title: "Dave's plan",
        model: null,
        profile: "default",
        parent_id: null,
      },
      Date.now(),
    );
    sessionsRepo(w.t.server.ctx.db).insert({ ...row, status: "sleeping" });
    expect((await dave.post(`/api/sessions/${row.id}/shares`, { username: "bob" })).status).toBe(200);
    const bobTab = await AgentTab.open(w.t.url, bob.cookie);
    await bobTab.ok("session.subscribe", { session_id: row.id });
    expect((await owner.delete(`/api/admin/users/${daveId}`)).status).toBe(200);
    const ended = await bobTab.mux.waitFor("watch.ended", () =>
      bobTab.mux.frames.find((f) => f.event === "watch.ended" && f.session_id === row.id),
    );
    expect(ended.reason).toBe("access_revoked");
    expect(sharesInDb(row.id)).toBe(0);
    expect(
      (await bob.get<{ sessions: { id: string }[] }>("/api/shared")).body.sessions.map((s) => s.id),
    ).not.toContain(row.id);
    await bobTab.close();
  });

  test("deleting the grantee's account or the conversation removes its shares", async () => {
    await owner.post(`/api/sessions/${session}/shares`, { username: "carol" });
    expect(sharesInDb(session)).toBe(2); // bob, carol
    const del = await owner.delete(`/api/admin/users/${carolId}`);
    expect(del.status).toBe(200);
    expect(sharesInDb(session)).toBe(1);

    const bobTab = await AgentTab.open(w.t.url, bob.cookie);
    await bobTab.ok("session.subscribe", { session_id: session });
    await tab.ok("session.delete", { session_id: session });
    expect(sharesInDb(session)).toBe(0);
    await bobTab.waitEvent(session, (f) => f.event === "session.closed" && f.reason === "deleted", "deleted");
    await bobTab.mux.waitFor("list reload", () =>
      bobTab.mux.frames.find((f) => f.event === "shares.changed"),
    );
    expect((await bob.get<{ sessions: unknown[] }>("/api/shared")).body.sessions).toEqual([]);
    expect(bobId).toBeTruthy();
    await bobTab.close();
  });
});

import { afterEach, beforeEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HistoryStore } from "../history/store.ts";
import { newId } from "../protocol/ids.ts";
import { SessionHub } from "../sessions/hub.ts";
import { type AgentService, MuxConnection, type MuxUser } from "./connection.ts";

let dir: string;
let store: HistoryStore;
let hub: SessionHub;
const alice: MuxUser = { id: newId("usr"), username: "alice", role: "user" };
const bob: MuxUser = { id: newId("usr"), username: "bob", role: "user" };
const ses = { id: newId("ses"), project_id: newId("prj") };

/** Sessions owned by alice only; commands echo back what they were given. */
const agents: AgentService = {
  canWatch: (user, sessionId) =>
    user.id === alice.id && sessionId === ses.id
      ? { ok: true, ownerId: alice.id }
      : { ok: false, error: { code: "not_found", message: "no such session" } },
  run: async (user, command) =>
    user.id === alice.id
      ? { ok: true, data: { ran: command.cmd } }
      : { ok: false, error: { code: "not_found", message: "no such session" } },
};

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "octo-mux-"));
  const r = HistoryStore.open(join(dir, "h.db"));
  if (!r.ok) throw new Error(r.error.message);
  store = r.value;
  hub = new SessionHub(() => store);
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

function connect(user: MuxUser, extra: Partial<ConstructorParameters<typeof MuxConnection>[2]> = {}) {
  const frames: Record<string, unknown>[] = [];
  const closes: number[] = [];
  const sink = {
    send: (f: string) => {
      frames.push(JSON.parse(f));
      return "ok" as const;
    },
    close: (code: number) => closes.push(code),
  };
  const conn = new MuxConnection(user, sink, { hub, agents, heartbeatMs: 1000, ...extra });
  return { conn, frames, closes };
}

test("hello and ping get one response each", async () => {
  const { conn, frames } = connect(alice);
  await conn.receive(JSON.stringify({ ch: "system", id: "1", cmd: "hello" }));
  await conn.receive(JSON.stringify({ ch: "system", id: "2", cmd: "ping", ts: 5 }));
  expect(frames).toHaveLength(2);
  expect(frames[0]).toMatchObject({
    ch: "system",
    event: "response",
    id: "1",
    ok: true,
    data: { protocol: 1 },
  });
  expect(frames[1]).toMatchObject({ id: "2", ok: true, data: { ts: 5 } });
});

test("bad frames get a clear error: with an id as a response, without one as a system error", async () => {
  const { conn, frames } = connect(alice);
  await conn.receive("{not json");
  await conn.receive(JSON.stringify({ ch: "agent", id: "x", cmd: "no_such_cmd" }));
  await conn.receive(JSON.stringify({ ch: "agent", id: "y", cmd: "prompt", session_id: ses.id }));
  await conn.receive(JSON.stringify({ ch: "nope", id: "z", cmd: "a" }));
  await conn.receive(JSON.stringify({ ch: "terminal", id: "t", cmd: "open" }));
  expect(frames[0]).toMatchObject({ ch: "system", event: "error", error: { code: "invalid_json" } });
  expect(frames[1]).toMatchObject({
    event: "response",
    id: "x",
    ok: false,
    error: { code: "unknown_command" },
  });
  expect(frames[2]).toMatchObject({ id: "y", ok: false, error: { code: "validation_failed" } });
  // An unknown channel still has an id: it is answered on `system`.
  expect(frames[3]).toMatchObject({
    ch: "system",
    event: "response",
    id: "z",
    ok: false,
    error: { code: "bad_request" },
  });
  expect(frames[4]).toMatchObject({ id: "t", ok: false, error: { code: "unknown_command" } });
});

test("subscribe replays stored events after after_seq, then live; others cannot watch", async () => {
  hub.publish(alice.id, ses, [
    { event: "stream.text_delta", delta: "a" },
    { event: "stream.text_delta", delta: "b" },
  ]);
  const a = connect(alice);
  await a.conn.receive(
    JSON.stringify({ ch: "agent", id: "s", cmd: "session.subscribe", session_id: ses.id, after_seq: 1 }),
  );
  hub.publish(alice.id, ses, [{ event: "agent.idle" }]);
  const seqs = a.frames.filter((f) => f.ch === "agent" && f.seq).map((f) => f.seq);
  expect(seqs).toEqual([2, 3]);
  expect(a.frames.find((f) => f.id === "s")).toMatchObject({ ok: true, data: { last_seq: 2 } });

  const b = connect(bob);
  await b.conn.receive(
    JSON.stringify({ ch: "agent", id: "s", cmd: "session.subscribe", session_id: ses.id }),
  );
  expect(b.frames).toEqual([
    expect.objectContaining({ id: "s", ok: false, error: expect.objectContaining({ code: "not_found" }) }),
  ]);
  hub.publish(alice.id, ses, [{ event: "agent.idle" }]);
  expect(b.frames).toHaveLength(1);
});

test("a slow channel command does not hold up an abort", async () => {
  let release = () => {};
  const slow = new Promise<void>((r) => {
    release = r;
  });
  const { conn, frames } = connect(alice, {
    channels: {
      files: {
        handle: async () => {
          await slow;
          return { ok: true, data: "tree" };
        },
      },
    },
  });
  const pending = conn.receive(JSON.stringify({ ch: "files", id: "f", cmd: "tree" }));
  await conn.receive(JSON.stringify({ ch: "agent", id: "a", cmd: "abort", session_id: ses.id }));
  expect(frames.map((f) => f.id)).toEqual(["a"]);
  release();
  await pending;
  expect(frames.map((f) => f.id)).toEqual(["a", "f"]);
});

test("close drops subscriptions; heartbeat closes a silent socket", async () => {
  let now = 0;
  const { conn, frames, closes } = connect(alice, { now: () => now });
  await conn.receive(JSON.stringify({ ch: "agent", id: "s", cmd: "session.subscribe", session_id: ses.id }));
  expect(hub.subscribers(ses.id)).toBe(1);
  now = 1500;
  conn.heartbeat();
  expect(frames.at(-1)).toMatchObject({ ch: "system", event: "ping", ts: 1500 });
  now = 2500;
  conn.heartbeat();
  expect(closes).toEqual([4000]);
  conn.close();
  expect(hub.subscribers(ses.id)).toBe(0);
});

test("every frame with an id gets exactly one response, however malformed (nested 100k deep, wrong types)", async () => {
  const { conn, frames } = connect(alice, {
    channels: {
      files: { handle: async () => ({ ok: false, error: { code: "bad_request", message: "x" } }) },
    },
  });
  const deep = `${"[".repeat(100_000)}${"]".repeat(100_000)}`;
  const raws = [
    `{"ch":"agent","id":"d1","cmd":"prompt","session_id":"${ses.id}","message":${deep}}`,
    `{"ch":"files","id":"d2","cmd":"tree","path":${deep}}`,
    `{"ch":${deep},"id":"d3","cmd":"x"}`,
    JSON.stringify({ ch: "agent", id: "w1", cmd: 7 }),
    JSON.stringify({ ch: 7, id: "w2", cmd: "hello" }),
    JSON.stringify({ ch: "agent", id: "w3", cmd: "prompt", session_id: 5, message: ["x"] }),
    JSON.stringify({ ch: "system", id: "w4", cmd: "ping", ts: "soon" }),
  ];
  for (const raw of raws) await conn.receive(raw);
  // The WebSocket adapter hands over values it already parsed: the same holds for those.
  const parsedDeep = JSON.parse(`{"ch":"agent","id":"p1","cmd":"prompt","message":${deep}}`);
  await conn.receive(parsedDeep);
  await conn.receive({ ch: "nope", id: "p2", cmd: [] });
  const ids = ["d1", "d2", "d3", "w1", "w2", "w3", "w4", "p1", "p2"];
  for (const id of ids) {
    const answers = frames.filter((f) => f.id === id);
    expect(answers).toHaveLength(1);
    expect(answers[0]).toMatchObject({ event: "response", ok: false });
    const code = (answers[0]?.error as { code?: string } | undefined)?.code;
    expect(["bad_request", "validation_failed"]).toContain(code ?? "none");
  }
  expect(frames.filter((f) => f.event !== "response")).toHaveLength(0);
});

test("once the socket's sign-in has ended, a frame is refused with token_revoked and the socket closes", async () => {
  let ended: { code: "token_revoked"; message: string } | null = null;
  const { conn, frames, closes } = connect(alice, { revoked: () => ended });
  await conn.receive(JSON.stringify({ ch: "system", id: "1", cmd: "ping" }));
  expect(frames[0]).toMatchObject({ id: "1", ok: true });
  ended = { code: "token_revoked", message: "the password was changed" };
  await conn.receive(JSON.stringify({ ch: "agent", id: "2", cmd: "abort", session_id: ses.id }));
  expect(frames[1]).toMatchObject({ id: "2", ok: false, error: { code: "token_revoked" } });
  expect(closes).toEqual([4401]);
  expect(conn.closed).toBe(true);
});

test("recheckAccess ends a watch the user may no longer see, with one watch.ended frame, and nothing after", async () => {
  let allowed = true;
  const shared: AgentService = {
    canWatch: (_user, sessionId) =>
      allowed && sessionId === ses.id
        ? { ok: true, ownerId: alice.id }
        : { ok: false, error: { code: "not_found", message: "no such session" } },
    run: agents.run,
  };
  const { conn, frames } = connect(bob, { agents: shared });
  await conn.receive(JSON.stringify({ ch: "agent", id: "s", cmd: "session.subscribe", session_id: ses.id }));
  hub.publish(alice.id, ses, [{ event: "agent.working", phase: "model" }]);
  conn.recheckAccess();
  expect(frames.filter((f) => f.event === "watch.ended")).toEqual([]);
  allowed = false;
  conn.recheckAccess();
  hub.publish(alice.id, ses, [{ event: "agent.idle" }]);
  expect(frames.map((f) => f.event)).toEqual(["response", "agent.working", "watch.ended"]);
  expect(frames.at(-1)).toEqual({
    ch: "system",
    event: "watch.ended",
    session_id: ses.id,
    reason: "access_revoked",
  });
  // Checked again: nothing more to end.
  conn.recheckAccess();
  expect(frames.filter((f) => f.event === "watch.ended")).toHaveLength(1);
});

test("recheckAccess ends watches the user may no longer hold, with one watch.ended frame each", async () => {
  let allowed = true;
  const gated: AgentService = {
    ...agents,
    canWatch: (_user, sessionId) =>
      allowed && sessionId === ses.id
        ? { ok: true, ownerId: alice.id }
        : { ok: false, error: { code: "not_found", message: "no such session" } },
  };
  const rechecked: string[] = [];
  const { conn, frames } = connect(bob, {
    agents: gated,
    channels: { files: { handle: async () => ({ ok: true }), recheckAccess: () => rechecked.push("files") } },
  });
  await conn.receive(JSON.stringify({ ch: "agent", id: "1", cmd: "session.subscribe", session_id: ses.id }));
  hub.publish(alice.id, ses, [{ event: "agent.idle" }]);
  expect(frames.filter((f) => f.event === "agent.idle")).toHaveLength(1);

  // Still allowed: nothing ends; the client is told its standing changed.
  conn.recheckAccess(ses.project_id);
  expect(frames.filter((f) => f.event === "watch.ended")).toEqual([]);
  expect(frames.filter((f) => f.event === "access.changed")).toEqual([
    { ch: "system", event: "access.changed", project_id: ses.project_id },
  ]);

  allowed = false;
  conn.recheckAccess();
  expect(frames.filter((f) => f.event === "watch.ended")).toEqual([
    { ch: "system", event: "watch.ended", session_id: ses.id, reason: "access_revoked" },
  ]);
  expect(rechecked).toEqual(["files", "files"]);
  // The watch is gone: later events do not reach the socket.
  hub.publish(alice.id, ses, [{ event: "agent.idle" }]);
  expect(frames.filter((f) => f.event === "agent.idle")).toHaveLength(1);
  conn.recheckAccess();
  expect(frames.filter((f) => f.event === "watch.ended")).toHaveLength(1);
});

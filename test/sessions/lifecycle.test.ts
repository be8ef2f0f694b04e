import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { AgentTab, assertGapFree, createProject, type SessionWorld, startWorld } from "./harness.ts";

setDefaultTimeout(120_000);
let w: SessionWorld;
let tab: AgentTab;
let projectId: string;
let projectDir: string;

beforeAll(async () => {
  w = await startWorld();
  projectId = await createProject(w.admin, "Lifecycle");
  projectDir = w.t.server.ctx.services.placement.project(w.t.admin.username, "lifecycle").projectDir;
  tab = await AgentTab.open(w.t.url, w.admin.cookie);
});
afterAll(async () => {
  await tab?.close();
  await w?.stop();
});

async function newSession(): Promise<string> {
  const { session_id } = await tab.ok<{ session_id: string }>("session.create", { project_id: projectId });
  await tab.ok("session.subscribe", { session_id });
  return session_id;
}

test("a bash tool call runs in the project's sandbox and its output reaches the socket", async () => {
  const s = await newSession();
  w.fx.enqueue(
    [{ toolCall: { name: "bash", args: { command: "echo hi > made.txt && cat made.txt && id -u" } } }],
    [{ text: "made it" }],
  );
  await tab.ok("prompt", { session_id: s, message: "make a file", client_id: "tool-1" });
  await tab.waitIdle(s);
  const start = tab.events(s).find((f) => f.event === "tool.start");
  const end = tab.events(s).find((f) => f.event === "tool.end");
  expect(start).toMatchObject({ name: "bash" });
  expect(end?.is_error).toBe(false);
  expect(String(end?.output)).toStartWith("hi\n");
  expect(readFileSync(join(projectDir, "made.txt"), "utf8")).toBe("hi\n");
  expect(tab.text(s)).toBe("made it");
  assertGapFree(tab.events(s));
});

test("abort mid-stream keeps the partial text and ends the turn", async () => {
  const s = await newSession();
  let release: () => void = () => {};
  const gate = new Promise<void>((r) => {
    release = r;
  });
  w.fx.enqueue([{ text: "partial answer" }, { until: gate }, { text: " never sent" }]);
  await tab.ok("prompt", { session_id: s, message: "go slow", client_id: "abort-1" });
  await tab.waitEvent(s, (f) => f.event === "stream.text_delta", "first delta");
  await tab.ok("abort", { session_id: s });
  release();
  await tab.waitIdle(s);
  const end = tab
    .events(s)
    .filter((f) => f.event === "stream.message_end")
    .map((f) => f.message as { role: string; stop?: string; parts: { text?: string }[] })
    .find((m) => m.role === "assistant");
  expect(end?.stop).toBe("aborted");
  expect(end?.parts[0]?.text).toBe("partial answer");
});

test("a prompt while busy is refused with advice; steer and follow_up are queued and delivered in order", async () => {
  const s = await newSession();
  let release: () => void = () => {};
  const gate = new Promise<void>((r) => {
    release = r;
  });
  w.fx.enqueue([{ text: "working" }, { until: gate }, { text: " done" }]);
  await tab.ok("prompt", { session_id: s, message: "first", client_id: "q-1" });
  await tab.waitEvent(s, (f) => f.event === "stream.text_delta", "first delta");
  const busy = await tab.cmd("prompt", { session_id: s, message: "second", client_id: "q-2" });
  expect(busy.ok).toBe(false);
  expect(busy.error?.code).toBe("busy");
  expect(busy.error?.message).toMatch(/steer|follow/);
  await tab.ok("steer", { session_id: s, message: "steer me", client_id: "q-3" });
  await tab.ok("follow_up", { session_id: s, message: "then this", client_id: "q-4" });
  await tab.waitEvent(
    s,
    (f) => f.event === "agent.queue" && (f.follow_up as string[]).length === 1,
    "queue shown",
  );
  release();
  await tab.mux.waitFor("user messages", () => {
    const users = tab
      .events(s)
      .filter((f) => f.event === "stream.message_end" && (f.message as { role: string }).role === "user");
    return users.length === 3 && users;
  });
  const users = tab
    .events(s)
    .filter((f) => f.event === "stream.message_end" && (f.message as { role: string }).role === "user")
    .map((f) => (f.message as { client_id?: string }).client_id);
  expect(users).toEqual(["q-1", "q-3", "q-4"]);
  // q-2 was refused, so its id is free again: the same id can be sent once the agent is idle.
  await tab.mux.waitFor("final idle", () => {
    const ev = tab.events(s);
    return ev.at(-1)?.event === "agent.idle" && ev;
  });
});

test("an extension's confirm dialog reaches the socket and the answer goes back", async () => {
  mkdirSync(join(projectDir, ".pi", "extensions"), { recursive: true });
  writeFileSync(
    join(projectDir, ".pi", "extensions", "confirm-bash.ts"),
    `export default function (pi) {
      pi.on("tool_call", async (event, ctx) => {
        if (event.toolName !== "bash") return;
        const ok = await ctx.ui.confirm("Run bash?", event.input.command);
        if (!ok) return { block: true, reason: "Denied by user" };
      });
    }`,
  );
  const s = await newSession();
  w.fx.enqueue([{ toolCall: { name: "bash", args: { command: "echo confirmed" } } }], [{ text: "ok" }]);
  await tab.ok("prompt", { session_id: s, message: "run it", client_id: "dlg-1" });
  const ask = await tab.waitEvent(s, (f) => f.event === "agent.input_needed", "dialog");
  const request = ask.request as { id: string; kind: string; title: string };
  expect(request).toMatchObject({ kind: "confirm", title: "Run bash?" });
  const wrong = await tab.cmd("input_response", { session_id: s, request_id: "nope", confirmed: true });
  expect(wrong.error?.code).toBe("not_found");
  await tab.ok("input_response", { session_id: s, request_id: request.id, confirmed: true });
  const end = await tab.waitEvent(s, (f) => f.event === "tool.end", "tool end");
  expect(end.output).toBe("confirmed\n");
  await tab.waitIdle(s);
  expect(existsSync(join(projectDir, ".pi", "extensions", "confirm-bash.ts"))).toBe(true);
});

test("session names: automatic from the first prompt, then set by the user", async () => {
  const s = await newSession();
  await tab.ok("prompt", {
    session_id: s,
    message: "Plan the garden layout for spring\nmore",
    client_id: "t-1",
  });
  const titled = await tab.waitEvent(s, (f) => f.event === "session.title_changed", "auto title");
  expect(titled.title).toBe("Plan the garden layout for spring");
  await tab.waitIdle(s);
  await tab.ok("set_session_name", { session_id: s, name: "Garden" });
  const r = await w.admin.get<{ session: { title: string } }>(`/api/sessions/${s}`);
  expect(r.body.session.title).toBe("Garden");
  const search = await w.admin.get<{ hits: { session_id: string }[] }>(
    `/api/sessions/search?q=garden&project_id=${projectId}`,
  );
  expect(search.body.hits.map((h) => h.session_id)).toContain(s);
});

test("a streamed answer writes the session's last activity every few seconds, not per event batch; closing stores the last", async () => {
  // Count the main database's writes of last_active_at with a trigger on the server's own connection.
  const db = w.t.server.ctx.db;
  db.exec("CREATE TEMP TABLE IF NOT EXISTS activity_writes (session_id TEXT, at INTEGER)");
  db.exec(`CREATE TEMP TRIGGER IF NOT EXISTS count_activity_writes AFTER UPDATE OF last_active_at ON sessions
    BEGIN INSERT INTO activity_writes VALUES (new.id, new.last_active_at); END`);
  const s = await newSession();
  await tab.waitEvent(s, (f) => f.event === "session.state", "agent started");
  w.fx.enqueue([
    { text: "one two three four five six seven eight nine ten ".repeat(4), chunks: 40, delayMs: 10 },
  ]);
  await tab.ok("prompt", { session_id: s, message: "count slowly", client_id: "act-1" });
  await tab.waitIdle(s);
  await tab.ok("session.close", { session_id: s });
  const writes = db
    .query<{ at: number }, [string]>("SELECT at FROM activity_writes WHERE session_id = ?")
    .all(s)
    .map((r) => r.at);
  const lastEvent = tab.events(s).findLast((f) => f.event === "agent.idle")?.ts as number;
  const first = writes[0] as number;
  // The launch, the prompt, one per 5 s of streaming at most, and the flush on close.
  expect(writes.length).toBeLessThanOrEqual(3 + Math.floor((lastEvent - first) / 5000));
  const row = w.t.server.ctx.db
    .query<{ last_active_at: number }, [string]>("SELECT last_active_at FROM sessions WHERE id = ?")
    .get(s);
  expect(row?.last_active_at).toBeGreaterThanOrEqual(lastEvent);
});

test("fork: a new session with the history before a user message, and an agent that remembers only that", async () => {
  const s = await newSession();
  w.fx.enqueue([{ text: "noted alpha" }]);
  await tab.ok("prompt", { session_id: s, message: "remember ALPHA", client_id: "f-1" });
  await tab.waitIdle(s);
  w.fx.enqueue([{ text: "noted beta" }]);
  await tab.ok("prompt", { session_id: s, message: "remember BETA", client_id: "f-2" });
  await tab.waitIdle(s, 2);
  const { messages } = await tab.ok<{ messages: { id: string; role: string }[] }>("get_messages", {
    session_id: s,
  });
  const second = messages.filter((m) => m.role === "user")[1];
  // Paged: one message, then the rest from where it says.
  const one = await tab.ok<{ messages: { id: string }[]; next_after_seq: number | null }>("get_messages", {
    session_id: s,
    limit: 1,
  });
  expect(one.messages.map((m) => m.id)).toEqual(messages.slice(0, 1).map((m) => m.id));
  const rest = await tab.ok<{ messages: { id: string }[]; next_after_seq: number | null }>("get_messages", {
    session_id: s,
    after_seq: one.next_after_seq,
  });
  expect(rest.next_after_seq).toBeNull();
  expect([...one.messages, ...rest.messages].map((m) => m.id)).toEqual(messages.map((m) => m.id));
  expect((await tab.cmd("get_messages", { session_id: s, limit: 0 })).error?.code).toBe("validation_failed");
  // Opened at its end (session.history), then older pages to the first, then what follows the
  // boundary: the same messages, each once.
  type Page = { messages: { id: string }[]; older_before: number | null };
  const opening = await tab.ok<Page & { after_seq: number }>("session.history", { session_id: s, limit: 1 });
  expect(opening.after_seq).toBeGreaterThan(0);
  let loaded = opening.messages.map((m) => m.id);
  for (let before = opening.older_before; before !== null; ) {
    const older = await tab.ok<Page>("session.history", { session_id: s, before_seq: before, limit: 1 });
    loaded = [...older.messages.map((m) => m.id), ...loaded];
    before = older.older_before;
  }
  const following = await tab.ok<{ messages: { id: string }[] }>("get_messages", {
    session_id: s,
    after_seq: opening.after_seq,
  });
  expect([...loaded, ...following.messages.map((m) => m.id)]).toEqual(messages.map((m) => m.id));
  for (const bad of [{ before_seq: 0 }, { limit: 0 }, { limit: 501 }, { before_seq: "1" }])
    expect((await tab.cmd("session.history", { session_id: s, ...bad })).error?.code).toBe(
      "validation_failed",
    );
  const forked = await tab.ok<{ session_id: string; text: string }>("fork", {
    session_id: s,
    message_id: second?.id,
  });
  const assistant = messages.find((m) => m.role === "assistant");
  expect((await tab.cmd("fork", { session_id: s, message_id: assistant?.id })).error?.code).toBe("not_found");
  expect((await tab.cmd("fork", { session_id: s, message_id: "msg_nope" })).error?.code).toBe(
    "validation_failed",
  );
  expect(forked.text).toBe("remember BETA");
  expect(forked.session_id).not.toBe(s);
  await tab.ok("session.subscribe", { session_id: forked.session_id });
  const copied = await tab.ok<{ messages: { role: string; parts: { text?: string }[] }[] }>("get_messages", {
    session_id: forked.session_id,
  });
  expect(copied.messages.map((m) => m.parts[0]?.text)).toEqual(["remember ALPHA", "noted alpha"]);

  w.fx.enqueue([{ text: "on the branch" }]);
  await tab.ok("prompt", { session_id: forked.session_id, message: "remember GAMMA", client_id: "f-3" });
  await tab.waitEvent(
    forked.session_id,
    (f) => f.event === "agent.idle" && tab.text(forked.session_id).includes("on the branch"),
    "branch answer",
  );
  const sent =
    w.fx.requests
      .filter((r) => r.kind === "chat")
      .at(-1)
      ?.messages.map((m) => m.text)
      .join("\n") ?? "";
  expect(sent).toContain("remember ALPHA");
  expect(sent).not.toContain("remember BETA");
  const parent = await w.admin.get<{ session: { parent_id: string | null } }>(
    `/api/sessions/${forked.session_id}`,
  );
  expect(parent.body.session.parent_id).toBe(s);
});

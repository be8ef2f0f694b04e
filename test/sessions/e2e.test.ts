import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import {
  AgentTab,
  assertGapFree,
  createProject,
  PROVIDER_KEY,
  type SessionWorld,
  startWorld,
} from "./harness.ts";

setDefaultTimeout(120_000);
let w: SessionWorld;
let projectId: string;

beforeAll(async () => {
  w = await startWorld();
  projectId = await createProject(w.admin, "Chat Test");
});
afterAll(async () => {
  await w?.stop();
});

test("a prompt streams through runner, sandbox and pi to the socket, stored gap-free", async () => {
  const tab = await AgentTab.open(w.t.url, w.admin.cookie);
  const { session_id } = await tab.ok<{ session_id: string }>("session.create", { project_id: projectId });
  expect(session_id).toMatch(/^ses_/);
  await tab.ok("session.subscribe", { session_id, after_seq: 0 });
  // A new agent announces its state (model, thinking level) as soon as pi answers, before any prompt.
  const state = await tab.waitEvent(
    session_id,
    (f) => f.event === "session.state",
    "session.state after start",
  );
  expect((state.state as { model?: string }).model).toBe("fx/fake-1");
  w.fx.enqueue([{ text: "Hello from the fixture, streamed in pieces.", chunks: 6 }]);
  await tab.ok("prompt", { session_id, message: "hello there", client_id: "c-1" });
  await tab.waitIdle(session_id);
  expect(tab.text(session_id)).toBe("Hello from the fixture, streamed in pieces.");
  assertGapFree(tab.events(session_id));

  // What pi sent the provider went through the proxy: the real key, never the session token.
  const req = w.fx.requests.find((r) => r.kind === "chat");
  expect(req?.headers.authorization).toBe(`Bearer ${PROVIDER_KEY}`);
  expect(req?.lastUserText).toBe("hello there");

  // The history store is the authority: get_messages reads it, not pi.
  const { messages } = await tab.ok<{ messages: { role: string; parts: { text?: string }[] }[] }>(
    "get_messages",
    {
      session_id,
    },
  );
  expect(messages.map((m) => m.role)).toEqual(["user", "assistant"]);
  expect(messages[1]?.parts[0]?.text).toBe("Hello from the fixture, streamed in pieces.");
  await tab.close();
});

test("a retried prompt with the same client_id runs once", async () => {
  const tab = await AgentTab.open(w.t.url, w.admin.cookie);
  const { session_id } = await tab.ok<{ session_id: string }>("session.create", { project_id: projectId });
  await tab.ok("session.subscribe", { session_id });
  await tab.ok("prompt", { session_id, message: "once only", client_id: "dup-1" });
  const again = await tab.ok<{ duplicate?: boolean }>("prompt", {
    session_id,
    message: "once only",
    client_id: "dup-1",
  });
  expect(again.duplicate).toBe(true);
  await tab.waitIdle(session_id);
  const users = tab
    .events(session_id)
    .filter((f) => f.event === "stream.message_end" && (f.message as { role: string }).role === "user");
  expect(users).toHaveLength(1);
  await tab.close();
});

test("a burst of events is acknowledged to the runner in a few coalesced acks, not one per batch", async () => {
  const tab = await AgentTab.open(w.t.url, w.admin.cookie);
  const { session_id } = await tab.ok<{ session_id: string }>("session.create", { project_id: projectId });
  await tab.ok("session.subscribe", { session_id });
  await tab.waitEvent(session_id, (f) => f.event === "session.state", "pi ready");
  const runner = await w.t.server.ctx.services.runners.forUser("local");
  if (!runner.ok) throw new Error(runner.error.message);
  const acks = async () => {
    const s = await runner.value.status();
    if (!s.ok) throw new Error(s.error.message);
    return s.value.acks_received ?? 0;
  };
  // 300 deltas a few ms apart: pi writes each on its own, so most reach the server in a read of their own.
  const text = "word ".repeat(300);
  w.fx.enqueue([{ text, chunks: 300, delayMs: 3 }]);
  const before = await acks();
  const started = Date.now();
  await tab.ok("prompt", { session_id, message: "flood", client_id: "ack-1" });
  await tab.waitIdle(session_id);
  const took = Date.now() - started;
  const sent = (await acks()) - before;
  expect(tab.text(session_id)).toBe(text);
  const events = tab.events(session_id).length;
  // At most one per 25 ms interval (and the exit's); per batch it was about one per delta.
  expect(sent).toBeLessThan(events / 4);
  expect(sent).toBeLessThanOrEqual(Math.ceil(took / 25) + 2);
  await tab.close();
});

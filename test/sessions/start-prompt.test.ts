import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { AgentTab, createProject, piOf, type SessionWorld, startWorld } from "./harness.ts";

setDefaultTimeout(180_000);
let w: SessionWorld;
let projectId: string;

beforeAll(async () => {
  w = await startWorld();
  projectId = await createProject(w.admin, "Start Prompt");
});
afterAll(async () => {
  await w?.stop();
});

/** Poll (on the event loop, not a sleep) until `get` gives a value. */
async function until<T>(what: string, get: () => T | undefined, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = get();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(5);
  }
}

test("a prompt sent while pi is frozen mid-start is answered once pi runs, and its turn ends", async () => {
  const tab = await AgentTab.open(w.t.url, w.admin.cookie);
  const { session_id } = await tab.ok<{ session_id: string }>("session.create", { project_id: projectId });
  await tab.ok("session.subscribe", { session_id, after_seq: 0 });
  // Freeze pi as early as we can see it: it cannot read its stdin or answer anything until thawed.
  const pid = await until("pi to appear", () => piOf(session_id), 60_000);
  process.kill(pid, "SIGSTOP");
  const startedBeforeFreeze = tab.events(session_id).some((f) => f.event === "session.state");
  try {
    w.fx.enqueue([{ toolCall: { name: "bash", args: { command: "echo hi" } } }], [{ text: "done" }]);
    const prompt = tab.cmd("prompt", { session_id, message: "while starting", client_id: "sp-1" });
    // A client retrying while it waits (as a UI does) is told the prompt is taken: that answer also
    // shows the server has claimed it and is waiting on the frozen agent.
    const again = await tab.ok<{ duplicate?: boolean }>("prompt", {
      session_id,
      message: "while starting",
      client_id: "sp-1",
    });
    expect(again.duplicate).toBe(true);
    expect(tab.events(session_id).some((f) => f.event === "session.state")).toBe(startedBeforeFreeze);
    process.kill(pid, "SIGCONT");
    const r = await prompt;
    expect(r.ok).toBe(true);
  } finally {
    try {
      process.kill(pid, "SIGCONT");
    } catch {}
  }
  await tab.waitIdle(session_id, 1, 120_000);
  expect(tab.text(session_id)).toBe("done");
  expect(w.fx.requests.filter((q) => q.kind === "chat")).toHaveLength(2);
  console.log(`pi had announced its state before the freeze: ${startedBeforeFreeze}`);
  await tab.close();
});

test("a turn whose last model call ends while the client reconnects still ends for the new socket", async () => {
  const first = await AgentTab.open(w.t.url, w.admin.cookie);
  const { session_id } = await first.ok<{ session_id: string }>("session.create", { project_id: projectId });
  await first.ok("session.subscribe", { session_id, after_seq: 0 });
  w.fx.enqueue([{ toolCall: { name: "bash", args: { command: "echo hi" } } }], [{ text: "after reconnect" }]);
  await first.ok("prompt", { session_id, message: "go", client_id: "rc-1" });
  // The tool has run: the last model call is next. The socket goes away now.
  await first.waitEvent(session_id, (f) => f.event === "tool.end", "tool.end", 120_000);
  const seen = Math.max(...first.events(session_id).map((f) => Number(f.seq)));
  await first.close();
  const second = await AgentTab.open(w.t.url, w.admin.cookie);
  await second.ok("session.subscribe", { session_id, after_seq: seen });
  await second.waitIdle(session_id, 1, 120_000);
  expect(second.text(session_id)).toContain("after reconnect");
  expect(Number(second.events(session_id)[0]?.seq)).toBe(seen + 1);
  await second.close();
});

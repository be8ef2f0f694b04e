import { afterAll, afterEach, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import type { Message } from "../../src/protocol/agent.ts";
import { type LlmFixture, startLlmFixture } from "../fixtures/llm/server.ts";
import { type Agent, gate, startAgent } from "./harness.ts";

// The follow-up queue octo holds in the runner (docs/decisions/0015-follow-up-queue.md), with the real pi.
setDefaultTimeout(90_000);

let fx: LlmFixture;
let agent: Agent | undefined;
const gates: (() => void)[] = [];

beforeAll(async () => {
  fx = await startLlmFixture({ models: ["fake-1"] });
});
afterEach(async () => {
  for (const release of gates.splice(0)) release();
  await agent?.stop();
  agent = undefined;
});
afterAll(async () => {
  await fx.stop();
});

const textOf = (m: Message) => m.parts.map((p) => (p.type === "text" ? p.text : "")).join("");
const held = () => {
  const g = gate();
  gates.push(g.release);
  return g;
};
const userMessages = (a: Agent, from: number) =>
  a
    .all("stream.message_end", from)
    .filter((e) => e.message.role === "user")
    .map((e) => [textOf(e.message), e.message.client_id]);

/** Start a run that streams one line and then waits for the gate. */
async function busyAgent() {
  agent = await startAgent(fx);
  const a = agent;
  const g = held();
  a.lane.enqueue([{ text: "working on it." }, { until: g.promise }, { text: " finished." }]);
  const from = a.events.length;
  await a.pi.prompt({ message: "first", client_id: "p-1" });
  await a.waitFor("stream.text_delta", undefined, from);
  return { a, g, from };
}

describe("follow-up queue held by the runner (real pi)", () => {
  test("a held follow-up can be edited and removed, then runs as the next prompt with its client_id, one idle", async () => {
    const { a, g, from } = await busyAgent();
    expect((await a.pi.queue("follow_up", { message: "follow one", client_id: "f-1" })).ok).toBe(true);
    expect((await a.pi.queue("follow_up", { message: "follow two", client_id: "f-2" })).ok).toBe(true);
    const both = await a.waitFor("agent.queue", (e) => e.follow_up.length === 2, from);
    expect(both.items).toEqual([
      { client_id: "f-1", kind: "follow_up", text: "follow one" },
      { client_id: "f-2", kind: "follow_up", text: "follow two" },
    ]);
    expect(
      (
        await a.pi.handle({
          cmd: "queue.edit",
          session_id: "ses_x",
          client_id: "f-1",
          message: "follow one, edited",
        })
      ).ok,
    ).toBe(true);
    expect((await a.pi.handle({ cmd: "queue.remove", session_id: "ses_x", client_id: "f-2" })).ok).toBe(true);
    expect(a.events.at(-1)).toEqual({
      event: "agent.queue",
      steering: [],
      follow_up: ["follow one, edited"],
      items: [{ client_id: "f-1", kind: "follow_up", text: "follow one, edited" }],
    });
    const missing = await a.pi.handle({ cmd: "queue.remove", session_id: "ses_x", client_id: "f-2" });
    expect(missing).toMatchObject({ ok: false, error: { code: "not_found" } });
    // pi never saw the follow-ups: its own queue stayed empty.
    expect((await a.pi.getState()).ok && (await a.pi.getState())).toMatchObject({
      value: { pending_count: 0 },
    });

    a.lane.enqueue([{ text: "followed up." }]);
    g.release();
    await a.waitFor("stream.message_end", (e) => textOf(e.message) === "followed up.", from);
    await a.waitFor("agent.idle", undefined, from);
    expect(userMessages(a, from)).toEqual([
      ["first", "p-1"],
      ["follow one, edited", "f-1"],
    ]);
    expect(a.all("agent.idle", from)).toHaveLength(1);
    expect(a.all("agent.queue", from).at(-1)?.items).toEqual([]);
  });

  test("abort clears held follow-ups and pi's steering; the next prompt runs alone and nothing stale follows", async () => {
    const { a, from } = await busyAgent();
    expect((await a.pi.queue("steer", { message: "stale steer", client_id: "s-1" })).ok).toBe(true);
    expect((await a.pi.queue("follow_up", { message: "stale follow", client_id: "f-1" })).ok).toBe(true);
    const q = await a.waitFor(
      "agent.queue",
      (e) => e.steering.length === 1 && e.follow_up.length === 1,
      from,
    );
    expect(q.items?.map((i) => [i.kind, i.client_id])).toEqual([
      ["steer", "s-1"],
      ["follow_up", "f-1"],
    ]);
    expect((await a.pi.abort()).ok).toBe(true);
    await a.waitFor("agent.idle", undefined, from);
    const last = a.all("agent.queue", from).at(-1);
    expect(last).toEqual({ event: "agent.queue", steering: [], follow_up: [], items: [] });
    const state = await a.pi.getState();
    expect(state.ok && state.value.pending_count).toBe(0);

    const next = a.events.length;
    const before = fx.requests.length;
    a.lane.enqueue([{ text: "fresh answer." }]);
    await a.pi.prompt({ message: "next", client_id: "p-2" });
    await a.waitFor("agent.idle", undefined, next);
    expect(userMessages(a, next)).toEqual([["next", "p-2"]]);
    const sent = fx.requests.slice(before).map((r) => JSON.stringify(r.body));
    expect(sent.some((b) => b.includes("stale"))).toBe(false);
    // The history pi kept is intact: the aborted run is still there.
    const history = await a.pi.getMessages();
    expect(history.ok && history.value.filter((m) => m.role === "user").map(textOf)).toEqual([
      "first",
      "next",
    ]);
  });

  test("send now delivers a held follow-up as steering at the next turn boundary", async () => {
    const { a, g, from } = await busyAgent();
    expect((await a.pi.queue("follow_up", { message: "urgent", client_id: "f-9" })).ok).toBe(true);
    await a.waitFor("agent.queue", (e) => e.follow_up.length === 1, from);
    expect((await a.pi.handle({ cmd: "queue.send_now", session_id: "ses_x", client_id: "f-9" })).ok).toBe(
      true,
    );
    const q = await a.waitFor("agent.queue", (e) => e.steering.length === 1, from);
    expect(q.items).toEqual([{ client_id: "f-9", kind: "steer", text: "urgent" }]);
    a.lane.enqueue([{ text: "steered." }]);
    g.release();
    await a.waitFor("stream.message_end", (e) => textOf(e.message) === "steered.", from);
    await a.waitFor("agent.idle", undefined, from);
    expect(userMessages(a, from)).toEqual([
      ["first", "p-1"],
      ["urgent", "f-9"],
    ]);
  });

  test("a follow-up sent while the agent is idle simply runs", async () => {
    agent = await startAgent(fx);
    const a = agent;
    a.lane.enqueue([{ text: "ran at once." }]);
    const from = a.events.length;
    expect((await a.pi.queue("follow_up", { message: "late follow", client_id: "f-0" })).ok).toBe(true);
    await a.waitFor("agent.idle", undefined, from);
    expect(userMessages(a, from)).toEqual([["late follow", "f-0"]]);
  });
});

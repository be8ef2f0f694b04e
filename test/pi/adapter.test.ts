import { afterAll, afterEach, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import type { Message } from "../../src/protocol/agent.ts";
import { type LlmFixture, startLlmFixture } from "../fixtures/llm/server.ts";
import { type Agent, gate, startAgent } from "./harness.ts";

// The real pi, through our translator and driver, against the scripted LLM.
// pi starts in ~0.3 s on an idle machine and much slower on a loaded one: generous limits.
setDefaultTimeout(90_000);

let fx: LlmFixture;
let agent: Agent | undefined;
const gates: (() => void)[] = [];

beforeAll(async () => {
  fx = await startLlmFixture({ models: ["fake-1", "fake-r"] });
});
afterEach(async () => {
  for (const release of gates.splice(0)) release();
  await agent?.stop();
  agent = undefined;
});
afterAll(async () => {
  await fx.stop();
});

const textOf = (m: Message) =>
  m.parts
    .filter((p) => p.type === "text")
    .map((p) => (p.type === "text" ? p.text : ""))
    .join("");
async function start(setup?: Parameters<typeof startAgent>[1]): Promise<Agent> {
  agent = await startAgent(fx, setup);
  return agent;
}
const held = () => {
  const g = gate();
  gates.push(g.release);
  return g;
};

describe("pi adapter (real pi)", () => {
  test("streaming text: deltas rebuild the final message; the prompt's client_id comes back; one idle at the end", async () => {
    const a = await start();
    a.lane.enqueue([{ text: "Hello from the fixture, friend." }]);
    const from = a.events.length;
    expect(await a.pi.prompt({ message: "hello there", client_id: "c-1" })).toEqual({
      ok: true,
      value: undefined,
    });
    await a.waitFor("agent.idle", undefined, from);
    const userStart = await a.waitFor("stream.message_start", (e) => e.role === "user", from);
    expect(userStart.client_id).toBe("c-1");
    const deltas = a.all("stream.text_delta", from).map((e) => e.delta);
    expect(deltas.length).toBeGreaterThan(2);
    const end = await a.waitFor("stream.message_end", (e) => e.message.role === "assistant", from);
    expect(deltas.join("")).toBe("Hello from the fixture, friend.");
    expect(textOf(end.message)).toBe(deltas.join(""));
    expect(end.message).toMatchObject({ model: "fx/fake-1", stop: "stop" });
    expect(a.all("usage", from)).toHaveLength(1);
    expect(a.all("agent.idle", from)).toHaveLength(1);
    expect(a.events.at(-1)?.event).toBe("agent.idle");
    expect(a.all("agent.error", from)).toHaveLength(0);
  });

  test("a tool call: streamed call with id and name, tool output, the tool message, the final answer", async () => {
    const a = await start();
    a.lane.enqueue(
      [{ text: "Running it." }, { toolCall: { name: "bash", args: { command: "echo hi" } } }],
      [{ text: "Done." }],
    );
    const from = a.events.length;
    await a.pi.prompt({ message: "run it", client_id: "c-2" });
    await a.waitFor("agent.idle", undefined, from);
    const callStart = await a.waitFor("stream.tool_call_start", undefined, from);
    const end = await a.waitFor("stream.tool_call_end", undefined, from);
    expect(end).toMatchObject({ name: "bash", args: { command: "echo hi" } });
    expect(callStart.call_id ?? end.call_id).toBe(end.call_id);
    const toolEnd = await a.waitFor("tool.end", undefined, from);
    expect(toolEnd).toEqual({ event: "tool.end", call_id: end.call_id, output: "hi\n", is_error: false });
    const toolMsg = await a.waitFor("stream.message_end", (e) => e.message.role === "tool", from);
    expect(toolMsg.message.parts[0]).toMatchObject({
      type: "tool_result",
      call_id: end.call_id,
      output: "hi\n",
    });
    const phases = a.all("agent.working", from).map((e) => e.phase);
    expect(phases).toEqual(["model", "tool", "model"]);
    const answers = a.all("stream.message_end", from).filter((e) => e.message.role === "assistant");
    expect(answers.map((e) => e.message.stop)).toEqual(["tool_use", "stop"]);
    expect(textOf(answers[1]?.message as Message)).toBe("Done.");
  });

  test("thinking on a reasoning model: thinking deltas, then text in the next part", async () => {
    const a = await start();
    expect((await a.pi.setModel("fx/fake-r")).ok).toBe(true);
    await a.waitFor("config.model_changed", (e) => e.model === "fx/fake-r");
    a.lane.enqueue([{ thinking: "Let me think this through." }, { text: "Forty-two." }]);
    const from = a.events.length;
    await a.pi.prompt({ message: "meaning of life?", client_id: "c-3" });
    await a.waitFor("agent.idle", undefined, from);
    expect(
      a
        .all("stream.thinking_delta", from)
        .map((e) => e.delta)
        .join(""),
    ).toBe("Let me think this through.");
    expect(a.all("stream.text_delta", from).every((e) => e.part === 1)).toBe(true);
    const end = await a.waitFor("stream.message_end", (e) => e.message.role === "assistant", from);
    expect(end.message.parts).toEqual([
      { type: "thinking", text: "Let me think this through." },
      { type: "text", text: "Forty-two." },
    ]);
  });

  test("abort mid-stream keeps the partial text and ends idle without an error", async () => {
    const a = await start();
    const g = held();
    a.lane.enqueue([{ text: "part one." }, { until: g.promise }, { text: " never sent" }]);
    const from = a.events.length;
    await a.pi.prompt({ message: "talk slowly", client_id: "c-4" });
    await a.waitFor("stream.text_delta", (e) => e.delta.endsWith("one."), from);
    expect(a.pi.busy).toBe(true);
    expect((await a.pi.abort()).ok).toBe(true);
    await a.waitFor("agent.idle", undefined, from);
    const end = await a.waitFor("stream.message_end", (e) => e.message.role === "assistant", from);
    expect(end.message.stop).toBe("aborted");
    expect(textOf(end.message)).toBe("part one.");
    expect(a.all("agent.error", from)).toHaveLength(0);
  });

  test("prompt while busy is refused with busy; steer and follow_up are delivered in order with their client_ids", async () => {
    const a = await start();
    const g = held();
    a.lane.enqueue(
      [{ text: "working on it." }, { until: g.promise }, { text: " finished." }],
      [{ text: "steered." }],
      [{ text: "followed up." }],
    );
    const from = a.events.length;
    await a.pi.prompt({ message: "first", client_id: "p-1" });
    await a.waitFor("stream.text_delta", undefined, from);
    const busy = await a.pi.prompt({ message: "too soon", client_id: "p-2" });
    expect(busy).toMatchObject({ ok: false, error: { code: "busy" } });
    expect(!busy.ok && busy.error.message).toContain("steer");
    expect((await a.pi.queue("steer", { message: "steer one", client_id: "s-1" })).ok).toBe(true);
    expect((await a.pi.queue("follow_up", { message: "follow up one", client_id: "f-1" })).ok).toBe(true);
    await a.waitFor("agent.queue", (e) => e.steering.length === 1 && e.follow_up.length === 1, from);
    g.release();
    await a.waitFor("agent.idle", undefined, from);
    const users = a.all("stream.message_end", from).filter((e) => e.message.role === "user");
    expect(users.map((e) => [textOf(e.message), e.message.client_id])).toEqual([
      ["first", "p-1"],
      ["steer one", "s-1"],
      ["follow up one", "f-1"],
    ]);
    expect(a.all("agent.idle", from)).toHaveLength(1);
  });

  test("HTTP 500 then success: retry.start/end, no idle in between, no error", async () => {
    const a = await start();
    a.lane.enqueue([{ httpError: 500, message: "fixture exploded" }], [{ text: "Recovered." }]);
    const from = a.events.length;
    await a.pi.prompt({ message: "try", client_id: "c-6" });
    await a.waitFor("agent.idle", undefined, from);
    const names = a.events.slice(from).map((e) => e.event);
    expect(names.indexOf("retry.start")).toBeGreaterThan(-1);
    expect(names.indexOf("retry.start")).toBeLessThan(names.indexOf("retry.end"));
    expect(a.all("retry.end", from)).toEqual([{ event: "retry.end", ok: true, attempt: 1 }]);
    expect(a.all("agent.idle", from)).toHaveLength(1);
    expect(a.all("agent.error", from)).toHaveLength(0);
    const last = a.all("stream.message_end", from).at(-1);
    expect(last && textOf(last.message)).toBe("Recovered.");
  });

  test("HTTP 500 every time: retries exhausted → agent.error (recoverable) then idle", async () => {
    const a = await start();
    const boom = [{ httpError: 500, message: "always broken" }];
    a.lane.enqueue(boom, boom, boom);
    const from = a.events.length;
    await a.pi.prompt({ message: "try", client_id: "c-7" });
    await a.waitFor("agent.idle", undefined, from);
    expect(a.all("retry.end", from)).toMatchObject([{ ok: false, attempt: 2 }]);
    expect(a.all("agent.error", from)).toMatchObject([
      { error: { code: "agent_failed" }, recoverable: true },
    ]);
  });

  test("an extension's confirm dialog reaches us as input_needed, and our answer lets the tool run", async () => {
    const ext = `export default function (pi) {
      pi.on("tool_call", async (event, ctx) => {
        if (event.toolName !== "bash") return;
        const ok = await ctx.ui.confirm("Run bash?", event.input.command);
        if (!ok) return { block: true, reason: "Denied by user" };
      });
    }`;
    const a = await start({ files: { ".pi/extensions/confirm-bash.ts": ext } });
    a.lane.enqueue([{ toolCall: { name: "bash", args: { command: "echo yes" } } }], [{ text: "ok" }]);
    a.lane.enqueue([{ toolCall: { name: "bash", args: { command: "echo no" } } }], [{ text: "denied" }]);
    let from = a.events.length;
    await a.pi.prompt({ message: "run", client_id: "c-8" });
    const ask = await a.waitFor("agent.input_needed", undefined, from);
    expect(ask.request).toMatchObject({ kind: "confirm", title: "Run bash?", message: "echo yes" });
    expect(a.pi.respond({ request_id: "not-a-dialog", confirmed: true })).toMatchObject({
      error: { code: "not_found" },
    });
    expect(a.pi.respond({ request_id: ask.request.id, confirmed: true })).toEqual({
      ok: true,
      value: undefined,
    });
    await a.waitFor(
      "agent.input_closed",
      (e) => e.request_id === ask.request.id && e.reason === "answered",
      from,
    );
    expect(await a.waitFor("tool.end", undefined, from)).toMatchObject({ output: "yes\n", is_error: false });
    await a.waitFor("agent.idle", undefined, from);

    from = a.events.length;
    await a.pi.prompt({ message: "run again", client_id: "c-9" });
    const ask2 = await a.waitFor("agent.input_needed", undefined, from);
    expect(a.pi.respond({ request_id: ask2.request.id, confirmed: false }).ok).toBe(true);
    expect(await a.waitFor("tool.end", undefined, from)).toMatchObject({ is_error: true });
    await a.waitFor("agent.idle", undefined, from);
  });

  test("fork before a user message and new session: pi emits nothing, the driver re-reads state", async () => {
    const a = await start();
    a.lane.enqueue([{ text: "one." }], [{ text: "two." }]);
    for (const [message, client_id] of [
      ["first question", "c-11"],
      ["second question", "c-12"],
    ] as const) {
      const from = a.events.length;
      await a.pi.prompt({ message, client_id });
      await a.waitFor("agent.idle", undefined, from);
    }
    const second = await a.waitFor("stream.message_end", (e) => e.message.client_id === "c-12");
    const before = await a.pi.getState();
    expect(before.ok && before.value.message_count).toBe(4);
    expect(await a.pi.fork("msg_00000000000000000000000000ff")).toMatchObject({
      ok: false,
      error: { code: "not_found" },
    });
    const from = a.events.length;
    const forked = await a.pi.fork(second.message.id);
    expect(forked.ok && forked.value.text).toBe("second question");
    expect(forked.ok && forked.value.state.message_count).toBe(2);
    const state = await a.waitFor("session.state", undefined, from);
    expect(state.state.harness_session.file).not.toBe(before.ok ? before.value.harness_session.file : "");
    const fresh = await a.pi.newSession();
    expect(fresh.ok && fresh.value.message_count).toBe(0);
    expect(fresh.ok && fresh.value.harness_session.id).not.toBe(state.state.harness_session.id);
    expect(await a.pi.fork(second.message.id)).toMatchObject({ ok: false, error: { code: "not_found" } });
  });

  test("pi killed with SIGKILL mid-turn: partial message kept, agent.error{recoverable}, idle, pending commands fail", async () => {
    const a = await start();
    const g = held();
    a.lane.enqueue([{ text: "half of the" }, { until: g.promise }, { text: " answer" }]);
    const from = a.events.length;
    await a.pi.prompt({ message: "go", client_id: "c-10" });
    await a.waitFor("stream.text_delta", (e) => e.delta.endsWith("the"), from);
    a.proc.kill("SIGKILL");
    const err = await a.waitFor("agent.error", undefined, from);
    expect(err).toEqual({
      event: "agent.error",
      error: { code: "agent_crashed", message: "the agent process exited (signal SIGKILL)" },
      recoverable: true,
    });
    await a.waitFor("agent.idle", undefined, from);
    const end = await a.waitFor("stream.message_end", (e) => e.message.role === "assistant", from);
    expect(end.message).toMatchObject({ stop: "error" });
    expect(textOf(end.message)).toBe("half of the");
    expect(await a.pi.exited).toMatchObject({ signal: "SIGKILL", expected: false });
    expect(await a.pi.getState()).toMatchObject({ ok: false, error: { code: "agent_crashed" } });
  });
});

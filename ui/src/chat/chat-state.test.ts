import { describe, expect, test } from "bun:test";
import type { AgentEvent, Message } from "../../../src/protocol/agent.ts";
import { newId } from "../../../src/protocol/ids.ts";
import { type AgentEventFrame, decodeServerFrame, encodeAgentEvent } from "../../../src/protocol/mux.ts";
import {
  applyFrame,
  applyFrames,
  type ChatState,
  dismissToast,
  initialChat,
  localSend,
  queuedItems,
  resubscribed,
  resumeAfter,
  sendFailed,
  startingAgent,
  stoppedNote,
} from "./chat-state.ts";
import { timeline } from "./chat-timeline.ts";

const SES = newId("ses");
const OTHER = newId("ses");
const U1 = newId("msg");
const A1 = newId("msg");
const T1 = newId("msg");
const A2 = newId("msg");

/** Frames exactly as the server sends them: encoded, then decoded with the shared contract. */
function frames(events: AgentEvent[], firstSeq = 1, session = SES): AgentEventFrame[] {
  return events.map((e, i) => {
    const r = decodeServerFrame(encodeAgentEvent(session, firstSeq + i, 1_700_000_000_000 + i, e));
    if (!r.ok) throw new Error(`test event does not match the protocol: ${r.error.message}`);
    return r.frame as AgentEventFrame;
  });
}

const usage = (input: number, output: number, cost: number) => ({
  tokens: { input, output, cache_read: 0, cache_write: 0 },
  cost,
});
const userMsg: Message = {
  id: U1,
  role: "user",
  parts: [{ type: "text", text: "list files" }],
  created_at: 1,
  client_id: "c1",
};
const assistantMsg: Message = {
  id: A1,
  role: "assistant",
  parts: [
    { type: "thinking", text: "I should run ls" },
    { type: "text", text: "Let me look." },
    { type: "tool_call", call_id: "call_1", name: "bash", args: { command: "ls" } },
  ],
  created_at: 2,
  model: "fixture/model",
  usage: usage(100, 20, 0.01),
  stop: "tool_use",
};
const toolMsg: Message = {
  id: T1,
  role: "tool",
  parts: [
    { type: "tool_result", call_id: "call_1", name: "bash", output: "a.txt\nb.txt\n", is_error: false },
  ],
  created_at: 3,
};
const finalMsg: Message = {
  id: A2,
  role: "assistant",
  parts: [{ type: "text", text: "There are two files." }],
  created_at: 4,
  usage: usage(150, 10, 0.02),
  stop: "stop",
};

/** A whole turn: prompt, thinking, text, a streamed tool call, its execution, the answer. */
const conversation: AgentEvent[] = [
  { event: "session.created", model: "fixture/model" },
  { event: "agent.working", phase: "model" },
  { event: "stream.message_start", message_id: U1, role: "user", client_id: "c1" },
  { event: "stream.message_end", message: userMsg },
  { event: "stream.message_start", message_id: A1, role: "assistant" },
  { event: "stream.thinking_delta", delta: "I should " },
  { event: "stream.thinking_delta", delta: "run ls" },
  { event: "stream.text_delta", part: 1, delta: "Let me " },
  { event: "stream.text_delta", part: 1, delta: "look." },
  { event: "stream.tool_call_start", part: 2, call_id: "call_1", name: "bash" },
  { event: "stream.tool_call_delta", part: 2, delta: '{"command":' },
  { event: "stream.tool_call_delta", part: 2, delta: '"ls"}' },
  { event: "stream.tool_call_end", part: 2, call_id: "call_1", name: "bash", args: { command: "ls" } },
  { event: "stream.message_end", message: assistantMsg },
  { event: "usage", message_id: A1, ...usage(100, 20, 0.01) },
  { event: "agent.working", phase: "tool" },
  { event: "tool.start", call_id: "call_1", name: "bash", args: { command: "ls" } },
  { event: "tool.progress", call_id: "call_1", delta: "a.txt\n" },
  { event: "tool.progress", call_id: "call_1", delta: "b.txt\n" },
  { event: "tool.end", call_id: "call_1", output: "a.txt\nb.txt\n", is_error: false },
  { event: "stream.message_start", message_id: T1, role: "tool" },
  { event: "stream.message_end", message: toolMsg },
  { event: "agent.working", phase: "model" },
  { event: "stream.message_start", message_id: A2, role: "assistant" },
  { event: "stream.text_delta", delta: "There are " },
  { event: "stream.text_delta", delta: "two files." },
  { event: "stream.message_end", message: finalMsg },
  { event: "agent.idle" },
];
const all = frames(conversation);
const played = (n = all.length) => applyFrames(initialChat(SES), all.slice(0, n));

/** What a person sees: comparable across states regardless of object identity. */
const visible = (s: ChatState) =>
  JSON.stringify({ t: timeline(s), seq: s.lastSeq, u: s.usage, w: s.working });

describe("streaming a conversation", () => {
  test("a whole turn ends as four messages, nothing streaming, idle", () => {
    const s = played();
    expect(s.messages.map((m) => m.id)).toEqual([U1, A1, T1, A2]);
    expect(s.streaming).toBeNull();
    expect(s.working).toBeNull();
    expect(s.lastSeq).toBe(all.length);
    expect(s.model).toBe("fixture/model");
  });

  test("deltas build the streaming message part by part", () => {
    const s = played(12);
    expect(s.streaming?.id).toBe(A1);
    expect(s.streaming?.parts).toEqual([
      { type: "thinking", text: "I should run ls" },
      { type: "text", text: "Let me look." },
      { type: "tool_call", call_id: "call_1", name: "bash", args_text: '{"command":"ls"}', complete: false },
    ]);
  });

  test("a text delta leaves the list of finished messages untouched (cheap re-render)", () => {
    const before = played(8);
    const after = applyFrame(before, all[8] as AgentEventFrame);
    expect(after.messages).toBe(before.messages);
    expect(after.streaming).not.toBe(before.streaming);
  });

  test("the tool call folds into one card with live output, then the result", () => {
    const live = timeline(played(19));
    const card = live.flatMap((e) => ("parts" in e ? e.parts : [])).find((p) => p.type === "tool");
    expect(card).toMatchObject({
      call_id: "call_1",
      name: "bash",
      status: "running",
      output: "a.txt\nb.txt\n",
    });

    const done = timeline(played());
    expect(done.map((e) => e.type)).toEqual(["user", "assistant", "assistant"]);
    const parts = done[1]?.type === "assistant" ? done[1].parts : [];
    expect(parts.map((p) => p.type)).toEqual(["thinking", "text", "tool"]);
    expect(parts[2]).toMatchObject({ status: "done", output: "a.txt\nb.txt\n", args: { command: "ls" } });
  });

  test("a streaming assistant message shows as one streaming entry", () => {
    const t = timeline(played(25));
    expect(t.at(-1)).toMatchObject({
      type: "streaming",
      role: "assistant",
      parts: [{ type: "text", text: "There are " }],
    });
  });

  test("usage is counted once per message even when reported twice", () => {
    const s = played();
    expect(s.usage.total.tokens.input).toBe(250);
    expect(s.usage.total.tokens.output).toBe(30);
    expect(s.usage.total.cost).toBeCloseTo(0.03);
    expect(s.usage.last?.tokens.input).toBe(150);
  });
});

describe("sequence numbers: no duplicates, no gaps", () => {
  test("a frame at or below lastSeq changes nothing (same object)", () => {
    const s = played(10);
    for (const f of all.slice(0, 10)) expect(applyFrame(s, f)).toBe(s);
  });

  test("replaying the whole history onto a finished state changes nothing", () => {
    const s = played();
    expect(applyFrames(s, all)).toBe(s);
  });

  test("resuming from any point, with any overlap, shows exactly what one pass shows", () => {
    const once = visible(played());
    for (let cut = 0; cut <= all.length; cut++) {
      const first = played(cut);
      const after = resumeAfter(first);
      expect(after).toBe(cut);
      for (const overlap of [0, 1, 3, cut]) {
        const replay = all.slice(Math.max(0, after - overlap));
        expect(visible(applyFrames(first, replay))).toBe(once);
      }
    }
  });

  test("a gap is not applied: it asks for a resync, and the replay fills it", () => {
    const s = played(5);
    const skipped = applyFrame(s, all[7] as AgentEventFrame);
    expect(skipped.resync).toBe(true);
    expect(skipped.lastSeq).toBe(5);
    expect(skipped.streaming).toEqual(s.streaming);
    const again = applyFrame(skipped, all[9] as AgentEventFrame);
    expect(again).toBe(skipped);
    const filled = applyFrames(resubscribed(skipped), all.slice(resumeAfter(skipped)));
    expect(filled.resync).toBe(false);
    expect(visible(filled)).toBe(visible(played()));
  });

  test("frames of another session are ignored", () => {
    const s = played(4);
    const foreign = frames(
      [{ event: "session.title_changed", title: "not mine" }],
      5,
      OTHER,
    )[0] as AgentEventFrame;
    expect(applyFrame(s, foreign)).toBe(s);
  });
});

describe("prompts sent from this tab", () => {
  test("a pending prompt shows at once and is replaced by its message, never doubled", () => {
    let s = localSend(initialChat(SES), { client_id: "c1", kind: "prompt", text: "list files" });
    expect(timeline(s)).toMatchObject([{ type: "pending", send: { text: "list files", status: "sending" } }]);
    s = applyFrames(s, all.slice(0, 4));
    const t = timeline(s);
    expect(t.map((e) => e.type)).toEqual(["user"]);
    expect(s.pending).toEqual([]);
  });

  test("the pending entry goes as soon as the server starts the message", () => {
    const s = applyFrames(
      localSend(initialChat(SES), { client_id: "c1", kind: "prompt", text: "x" }),
      all.slice(0, 3),
    );
    expect(s.pending).toEqual([]);
  });

  test("a refused send keeps the text and says why", () => {
    let s = localSend(initialChat(SES), { client_id: "c9", kind: "prompt", text: "keep me" });
    s = sendFailed(s, "c9", "the agent is busy");
    expect(s.pending).toEqual([
      { client_id: "c9", kind: "prompt", text: "keep me", status: "failed", error: "the agent is busy" },
    ]);
  });

  test("re-sending a client_id already in the history (reload) adds nothing", () => {
    const s = played();
    expect(localSend(s, { client_id: "c1", kind: "prompt", text: "list files" })).toBe(s);
    const p = localSend(initialChat(SES), { client_id: "c2", kind: "steer", text: "a" });
    expect(localSend(p, { client_id: "c2", kind: "steer", text: "a" })).toBe(p);
  });
});

describe("agent activity and side channels", () => {
  const extra = (events: AgentEvent[], base = played()) =>
    applyFrames(base, frames(events, base.lastSeq + 1));

  test("a tool still running when the agent goes idle is marked interrupted", () => {
    const s = extra([
      { event: "tool.start", call_id: "call_9", name: "bash", args: { command: "sleep 100" } },
      { event: "agent.idle" },
    ]);
    expect(s.tools.call_9?.status).toBe("interrupted");
  });

  test("progress with replace swaps the output; errors are marked", () => {
    const s = extra([
      { event: "tool.start", call_id: "c", name: "bash", args: {} },
      { event: "tool.progress", call_id: "c", delta: "50%" },
      { event: "tool.progress", call_id: "c", delta: "90%", replace: true },
    ]);
    expect(s.tools.c?.output).toBe("90%");
    const e = extra([{ event: "tool.end", call_id: "c", output: "boom", is_error: true }], s);
    expect(e.tools.c).toMatchObject({ status: "error", output: "boom" });
  });

  test("an agent the server stopped is said in the chat, with why and what happens next", () => {
    const s = extra([{ event: "agent.stopped", reason: "memory" }]);
    expect(s.toasts.at(-1)?.text).toBe(stoppedNote("memory"));
    expect(s.toasts.at(-1)?.text).toContain("free memory");
    const idle = extra([{ event: "agent.stopped", reason: "idle" }]);
    expect(idle.toasts.at(-1)?.text).toContain("idle");
  });

  test("progress for an unknown call is ignored, not invented", () => {
    const s = extra([{ event: "tool.progress", call_id: "nope", delta: "x" }]);
    expect(s.tools.nope).toBeUndefined();
  });

  test("dialogs open once and close from any tab", () => {
    const request = { id: "r1", kind: "confirm" as const, title: "Delete?" };
    let s = extra([
      { event: "agent.input_needed", request },
      { event: "agent.input_needed", request },
    ]);
    expect(s.inputs).toEqual([request]);
    s = extra([{ event: "agent.input_closed", request_id: "r1", reason: "answered" }], s);
    expect(s.inputs).toEqual([]);
  });

  test("queue, retry, compaction, errors and model changes are tracked", () => {
    let s = extra([
      { event: "agent.queue", steering: ["stop that"], follow_up: ["then commit"] },
      { event: "retry.start", attempt: 1, max_attempts: 3, delay_ms: 1000, error: "overloaded" },
      { event: "compact.start", reason: "threshold" },
      { event: "agent.error", error: { code: "agent_failed", message: "model failed" }, recoverable: false },
      { event: "config.model_changed", model: "other/model", thinking_level: "high" },
    ]);
    expect(s.queue).toEqual({ steering: ["stop that"], follow_up: ["then commit"] });
    expect(s.retry?.attempt).toBe(1);
    expect(s.compacting).toBe("threshold");
    expect(s.error).toEqual({ code: "agent_failed", message: "model failed", recoverable: false });
    expect(s.model).toBe("other/model");
    expect(s.thinkingLevel).toBe("high");
    s = extra(
      [
        { event: "retry.end", ok: true, attempt: 1 },
        { event: "compact.end", reason: "threshold", ok: true, aborted: false, will_retry: false },
        { event: "agent.working", phase: "model" },
      ],
      s,
    );
    expect([s.retry, s.compacting, s.error, s.working]).toEqual([null, null, null, "model"]);
  });

  test("status slots set and clear by key; toasts keep the last five", () => {
    let s = extra([
      { event: "agent.notice", kind: "status", key: "git", text: "main*" },
      ...Array.from(
        { length: 7 },
        (_, i): AgentEvent => ({ event: "agent.notice", kind: "notify", text: `n${i}` }),
      ),
    ]);
    expect(s.statusSlots).toEqual({ git: "main*" });
    expect(s.toasts.map((t) => t.text)).toEqual(["n2", "n3", "n4", "n5", "n6"]);
    s = dismissToast(s, s.toasts[0]?.seq ?? -1);
    expect(s.toasts).toHaveLength(4);
    s = extra([{ event: "agent.notice", kind: "status", key: "git" }], s);
    expect(s.statusSlots).toEqual({});
  });

  test("a message re-sent with the same id replaces, never duplicates", () => {
    const edited: Message = { ...finalMsg, parts: [{ type: "text", text: "Two files." }] };
    const s = extra([{ event: "stream.message_end", message: edited }]);
    expect(s.messages.filter((m) => m.id === A2)).toEqual([edited]);
    expect(s.messages).toHaveLength(4);
  });

  test("title and close", () => {
    const s = extra([
      { event: "session.title_changed", title: "Listing files" },
      { event: "session.closed", reason: "closed" },
    ]);
    expect(s.title).toBe("Listing files");
    expect(s.closed).toBe("closed");
  });

  test("deltas that arrive without a start (joined mid-message) still show", () => {
    const s = applyFrames(
      initialChat(SES),
      frames([{ event: "stream.text_delta", part: 1, delta: "tail" }], 1),
    );
    expect(s.streaming?.parts).toEqual([
      { type: "text", text: "" },
      { type: "text", text: "tail" },
    ]);
  });

  test("a tool result with no call in history still shows as a card", () => {
    const s = applyFrames(initialChat(SES), frames([{ event: "stream.message_end", message: toolMsg }]));
    expect(timeline(s)).toMatchObject([{ type: "assistant", parts: [{ type: "tool", status: "done" }] }]);
  });
});

describe("long sessions", () => {
  test("2,000 messages replay and dedupe correctly", () => {
    const events: AgentEvent[] = [];
    for (let i = 0; i < 1000; i++) {
      const u = newId("msg");
      const a = newId("msg");
      events.push(
        {
          event: "stream.message_end",
          message: {
            id: u,
            role: "user",
            parts: [{ type: "text", text: `q${i}` }],
            created_at: i,
            client_id: `c${i}`,
          },
        },
        { event: "stream.message_start", message_id: a, role: "assistant" },
        { event: "stream.text_delta", delta: `a${i}` },
        {
          event: "stream.message_end",
          message: { id: a, role: "assistant", parts: [{ type: "text", text: `a${i}` }], created_at: i },
        },
      );
    }
    const fs = frames(events);
    const s = applyFrames(initialChat(SES), fs);
    expect(s.messages).toHaveLength(2000);
    expect(applyFrames(s, fs.slice(-500))).toBe(s);
    expect(timeline(s)).toHaveLength(2000);
  });
});

describe("the first hour: queue items, starting the agent, failed replies", () => {
  const play = (events: AgentEvent[]) => applyFrames(initialChat(SES), frames(events));

  test("queue items with client ids are kept (and cleared by an empty queue); older events still list texts", () => {
    let s = play([
      {
        event: "agent.queue",
        steering: ["now"],
        follow_up: ["later"],
        items: [
          { client_id: "s1", kind: "steer", text: "now" },
          { client_id: "f1", kind: "follow_up", text: "later" },
        ],
      },
    ]);
    expect(queuedItems(s.queue)).toEqual([
      { client_id: "s1", kind: "steer", text: "now" },
      { client_id: "f1", kind: "follow_up", text: "later" },
    ]);
    s = applyFrames(s, frames([{ event: "agent.queue", steering: [], follow_up: [], items: [] }], 2));
    expect(queuedItems(s.queue)).toEqual([]);
    expect(queuedItems(play([{ event: "agent.queue", steering: ["a"], follow_up: ["b"] }]).queue)).toEqual([
      { kind: "steer", text: "a" },
      { kind: "follow_up", text: "b" },
    ]);
  });

  test("starting the agent: a prompt on its way, nothing working yet, and the agent not known to run", () => {
    const sending = localSend(initialChat(SES), { client_id: "c1", kind: "prompt", text: "hi" });
    expect(startingAgent(sending, true)).toBe(true);
    expect(startingAgent(sending, false)).toBe(false);
    expect(startingAgent(initialChat(SES), true)).toBe(false);
    const working = applyFrames(sending, frames([{ event: "agent.working", phase: "model" }]));
    expect(startingAgent(working, true)).toBe(false);
    expect(startingAgent(sendFailed(sending, "c1", "no"), true)).toBe(false);
  });

  test("a failed request that pi retried shows once: only the turn's last failure stays", () => {
    const failed = (error: string): Message => ({
      id: newId("msg"),
      role: "assistant",
      parts: [],
      created_at: 3,
      stop: "error",
      error,
    });
    const s = play(
      [userMsg, failed("500 boom"), failed("500 boom"), failed("500 boom"), failed("500 boom")].map((m) => ({
        event: "stream.message_end" as const,
        message: m,
      })),
    );
    const entries = timeline(s);
    expect(entries.map((e) => e.type)).toEqual(["user", "assistant"]);
    // A retry that succeeded leaves no failure at all.
    const ok: Message = { ...assistantMsg, id: newId("msg"), stop: "stop" };
    const healed = applyFrames(s, frames([{ event: "stream.message_end", message: ok }], s.lastSeq + 1));
    expect(timeline(healed).map((e) => (e.type === "assistant" ? e.message.stop : e.type))).toEqual([
      "user",
      "stop",
    ]);
  });
});

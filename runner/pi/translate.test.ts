import { describe, expect, test } from "bun:test";
import { asst, mid, setup, textDelta, upd, user } from "../../test/pi/translator-harness.ts";

describe("plain text", () => {
  test("rebuilds from deltas, takes message_end as final, attributes the prompt, idles only after settle", () => {
    const { t, feed, names, out, take } = setup();
    t.users.expectPrompt("c1");
    feed(
      { type: "agent_start" },
      { type: "turn_start" },
      { type: "message_start", message: user("hello there") },
      { type: "message_end", message: user("hello there") },
      // under bun message_start may already carry text: ignored, deltas are the truth
      { type: "message_start", message: asst([{ type: "text", text: "Hello" }]) },
      upd({ type: "text_start", contentIndex: 0 }),
      textDelta("Hello"),
      textDelta(" from"),
      textDelta(" pi"),
      upd({ type: "text_end", contentIndex: 0, content: "Hello from pi" }),
      { type: "message_end", message: asst([{ type: "text", text: "Hello from pi" }]) },
      { type: "turn_end" },
      { type: "agent_end", messages: [] },
    );
    expect(names()).toEqual([
      "agent.working",
      "stream.message_start",
      "stream.message_end",
      "stream.message_start",
      "stream.text_delta",
      "stream.text_delta",
      "stream.text_delta",
      "stream.message_end",
      "usage",
    ]);
    expect(t.settling).toBe(true);
    expect(out[1]).toEqual({
      event: "stream.message_start",
      message_id: mid(1),
      role: "user",
      client_id: "c1",
    });
    expect(out[2]).toMatchObject({ message: { id: mid(1), role: "user", client_id: "c1", created_at: 5 } });
    expect(out.slice(4, 7).map((e) => (e as { delta: string }).delta)).toEqual(["Hello", " from", " pi"]);
    expect(out[4]).toEqual({ event: "stream.text_delta", delta: "Hello" });
    expect(out[7]).toEqual({
      event: "stream.message_end",
      message: {
        id: mid(2),
        role: "assistant",
        parts: [{ type: "text", text: "Hello from pi" }],
        created_at: 9,
        model: "fake/fake-1",
        usage: { tokens: { input: 100, output: 7, cache_read: 0, cache_write: 0 }, cost: 0.25 },
        stop: "stop",
      },
    });
    expect(out[8]).toMatchObject({ event: "usage", message_id: mid(2), model: "fake/fake-1" });
    take();
    t.settle({ streaming: false, compacting: false });
    expect(names()).toEqual(["agent.idle"]);
    t.settle();
    expect(names()).toEqual(["agent.idle"]); // settle is idempotent
  });

  test("settle is refused while pi still reports streaming; the next event after agent_end settles too", () => {
    const { t, feed, names, take } = setup();
    feed({ type: "agent_start" }, { type: "agent_end", messages: [] });
    take();
    t.settle({ streaming: true, compacting: false });
    expect(names()).toEqual([]);
    feed({ type: "agent_start" });
    expect(names()).toEqual(["agent.idle", "agent.working"]);
  });
});

describe("tool call", () => {
  test("id and name from the snapshot at toolcall_start, args from toolcall_end, progress as suffixes", () => {
    const { feed, out, names } = setup();
    const call = { type: "toolCall", id: "call_4", name: "bash", arguments: {}, partialArgs: '{"comman' };
    feed(
      { type: "agent_start" },
      { type: "message_start", message: asst([]) },
      textDelta("I'll run a tool."),
      upd({ type: "toolcall_start", contentIndex: 1 }, [{ type: "text", text: "I'll run a tool." }, call]),
      upd({ type: "toolcall_delta", contentIndex: 1, delta: "" }),
      upd({ type: "toolcall_delta", contentIndex: 1, delta: '{"command":' }),
      upd({ type: "toolcall_delta", contentIndex: 1, delta: '"ls"}' }),
      upd({ type: "toolcall_end", contentIndex: 1, toolCall: { ...call, arguments: { command: "ls" } } }),
      {
        type: "message_end",
        message: asst(
          [
            { type: "text", text: "I'll run a tool." },
            { ...call, arguments: { command: "ls" } },
          ],
          {
            stopReason: "toolUse",
          },
        ),
      },
      { type: "tool_execution_start", toolCallId: "call_4", toolName: "bash", args: { command: "ls" } },
      {
        type: "tool_execution_update",
        toolCallId: "call_4",
        partialResult: { content: [{ type: "text", text: "a\n" }] },
      },
      {
        type: "tool_execution_update",
        toolCallId: "call_4",
        partialResult: { content: [{ type: "text", text: "a\nb\n" }] },
      },
      {
        type: "tool_execution_update",
        toolCallId: "call_4",
        partialResult: { content: [{ type: "text", text: "a\nb\n" }] },
      },
      {
        type: "tool_execution_update",
        toolCallId: "call_4",
        partialResult: { content: [{ type: "text", text: "[cut]b\nc\n" }] },
      },
      {
        type: "tool_execution_end",
        toolCallId: "call_4",
        toolName: "bash",
        result: { content: [{ type: "text", text: "a\nb\nc\n" }] },
        isError: false,
      },
      {
        type: "message_start",
        message: { role: "toolResult", toolCallId: "call_4", toolName: "bash", content: [], isError: false },
      },
      {
        type: "message_end",
        message: {
          role: "toolResult",
          toolCallId: "call_4",
          toolName: "bash",
          content: [{ type: "text", text: "a\nb\nc\n" }],
          isError: false,
          timestamp: 11,
        },
      },
    );
    expect(names()).toEqual([
      "agent.working",
      "stream.message_start",
      "stream.text_delta",
      "stream.tool_call_start",
      "stream.tool_call_delta",
      "stream.tool_call_delta",
      "stream.tool_call_end",
      "stream.message_end",
      "usage",
      "agent.working",
      "tool.start",
      "tool.progress",
      "tool.progress",
      "tool.progress",
      "tool.end",
      "stream.message_start",
      "stream.message_end",
    ]);
    expect(out[3]).toEqual({ event: "stream.tool_call_start", part: 1, call_id: "call_4", name: "bash" });
    expect(out[6]).toEqual({
      event: "stream.tool_call_end",
      part: 1,
      call_id: "call_4",
      name: "bash",
      args: { command: "ls" },
    });
    expect(out[7]).toMatchObject({
      message: {
        stop: "tool_use",
        parts: [{ type: "text" }, { type: "tool_call", call_id: "call_4", args: { command: "ls" } }],
      },
    });
    expect(out[9]).toEqual({ event: "agent.working", phase: "tool" });
    expect(out.slice(11, 14)).toEqual([
      { event: "tool.progress", call_id: "call_4", delta: "a\n" },
      { event: "tool.progress", call_id: "call_4", delta: "b\n" },
      { event: "tool.progress", call_id: "call_4", delta: "[cut]b\nc\n", replace: true },
    ]);
    expect(out[14]).toEqual({ event: "tool.end", call_id: "call_4", output: "a\nb\nc\n", is_error: false });
    expect(out[16]).toMatchObject({
      message: {
        role: "tool",
        parts: [
          { type: "tool_result", call_id: "call_4", name: "bash", output: "a\nb\nc\n", is_error: false },
        ],
      },
    });
  });
});

describe("thinking", () => {
  test("blocks are keyed by contentIndex even when *_end events come last", () => {
    const { feed, out } = setup();
    feed(
      { type: "message_start", message: asst([]) },
      upd({ type: "thinking_start", contentIndex: 0 }),
      upd({ type: "thinking_delta", contentIndex: 0, delta: "Let me" }),
      upd({ type: "thinking_delta", contentIndex: 0, delta: " think." }),
      upd({ type: "text_start", contentIndex: 1 }),
      textDelta("Answer", 1),
      upd({ type: "thinking_end", contentIndex: 0, content: "Let me think." }),
      upd({ type: "text_end", contentIndex: 1, content: "Answer" }),
      {
        type: "message_end",
        message: asst([
          { type: "thinking", thinking: "Let me think.", thinkingSignature: "reasoning_content" },
          { type: "text", text: "Answer" },
        ]),
      },
    );
    expect(out.slice(1, 4)).toEqual([
      { event: "stream.thinking_delta", delta: "Let me" },
      { event: "stream.thinking_delta", delta: " think." },
      { event: "stream.text_delta", part: 1, delta: "Answer" },
    ]);
    expect(out[4]).toMatchObject({
      message: {
        parts: [
          { type: "thinking", text: "Let me think." },
          { type: "text", text: "Answer" },
        ],
      },
    });
  });
});

describe("hostile input", () => {
  test("a role named like an Object.prototype key is a system message, not a function (found by test/fuzz)", () => {
    const { feed, out } = setup();
    for (const role of ["constructor", "__proto__", "toString"])
      feed({ type: "message_start", message: { role, content: [{ type: "text", text: "x" }] } });
    expect(
      out.filter((e) => e.event === "stream.message_start").map((e) => (e as { role: string }).role),
    ).toEqual(["system", "system", "system"]);
  });
});

import { describe, expect, test } from "bun:test";
import { asst, setup, textDelta, user } from "../../test/pi/translator-harness.ts";

const failed = (msg: string) => asst([], { stopReason: "error", errorMessage: msg, usage: undefined });

describe("abort", () => {
  test("keeps the partial text, ends idle without an error", () => {
    const { t, feed, out, names } = setup();
    feed(
      { type: "agent_start" },
      { type: "message_start", message: asst([]) },
      textDelta("par"),
      textDelta("tial"),
      {
        type: "message_end",
        message: asst([{ type: "text", text: "partial" }], {
          stopReason: "aborted",
          errorMessage: "Request was aborted",
        }),
      },
      { type: "agent_end", messages: [] },
    );
    t.settle({ streaming: false, compacting: false });
    expect(names().slice(-3)).toEqual(["stream.message_end", "usage", "agent.idle"]);
    expect(out.at(-3)).toMatchObject({
      message: { stop: "aborted", error: "Request was aborted", parts: [{ type: "text", text: "partial" }] },
    });
  });
});

describe("auto-retry", () => {
  test("agent_end followed by auto_retry_start is not idle; a successful retry ends idle without error", () => {
    const { t, feed, names, take } = setup();
    feed(
      { type: "agent_start" },
      { type: "message_start", message: failed("500 fake 500") },
      { type: "message_end", message: failed("500 fake 500") },
      { type: "agent_end", messages: [] },
      { type: "auto_retry_start", attempt: 1, maxAttempts: 2, delayMs: 100, errorMessage: "500 fake 500" },
    );
    expect(t.settling).toBe(false);
    expect(names()).toEqual([
      "agent.working",
      "stream.message_start",
      "stream.message_end",
      "agent.working",
      "retry.start",
    ]);
    take();
    t.settle(); // a late barrier must not idle a retrying agent
    feed(
      { type: "agent_start" },
      { type: "message_start", message: asst([]) },
      textDelta("ok"),
      { type: "message_end", message: asst([{ type: "text", text: "ok" }]) },
      { type: "auto_retry_end", success: true, attempt: 1 },
      { type: "agent_end", messages: [] },
    );
    t.settle();
    expect(names()).toEqual([
      "agent.working",
      "stream.message_start",
      "stream.text_delta",
      "stream.message_end",
      "usage",
      "retry.end",
      "agent.idle",
    ]);
  });

  test("exhausted retries: retry.end{ok:false}, then agent.error (recoverable) and idle", () => {
    const { t, feed, out, names, take } = setup();
    feed(
      { type: "agent_start" },
      { type: "message_end", message: failed("500 fake 500") },
      { type: "agent_end", messages: [] },
      { type: "auto_retry_start", attempt: 2, maxAttempts: 2, delayMs: 200, errorMessage: "500 fake 500" },
      { type: "agent_start" },
      { type: "message_end", message: failed("500 fake 500") },
      { type: "agent_end", messages: [] },
    );
    take();
    feed({ type: "auto_retry_end", success: false, attempt: 2, finalError: "500 fake 500" });
    expect(t.settling).toBe(true);
    t.settle();
    expect(names()).toEqual(["retry.end", "agent.error", "agent.idle"]);
    expect(out[1]).toEqual({
      event: "agent.error",
      error: { code: "agent_failed", message: "500 fake 500" },
      recoverable: true,
    });
  });
});

describe("compaction", () => {
  test("threshold compaction right after agent_end delays idle until compaction_end and settle", () => {
    const { t, feed, names, take, out } = setup();
    feed(
      { type: "agent_start" },
      { type: "agent_end", messages: [] },
      { type: "compaction_start", reason: "threshold" },
    );
    expect(t.settling).toBe(false);
    take();
    feed({
      type: "compaction_end",
      reason: "threshold",
      result: { summary: "## Goal", firstKeptEntryId: "bc2c", tokensBefore: 120007 },
      aborted: false,
      willRetry: false,
    });
    t.settle();
    expect(names()).toEqual(["compact.end", "agent.idle"]);
    expect(out[0]).toEqual({
      event: "compact.end",
      reason: "threshold",
      ok: true,
      aborted: false,
      will_retry: false,
      summary: "## Goal",
      tokens_before: 120007,
    });
  });

  test("overflow with willRetry keeps working through the new run", () => {
    const { t, feed, names } = setup();
    feed(
      { type: "agent_start" },
      { type: "message_end", message: failed("maximum context length exceeded") },
      { type: "agent_end", messages: [] },
      { type: "compaction_start", reason: "overflow" },
      {
        type: "compaction_end",
        reason: "overflow",
        result: { summary: "s", tokensBefore: 9 },
        aborted: false,
        willRetry: true,
      },
    );
    t.settle();
    expect(names()).not.toContain("agent.idle");
    feed(
      { type: "agent_start" },
      { type: "message_end", message: asst([{ type: "text", text: "x" }]) },
      { type: "agent_end" },
    );
    t.settle();
    // the overflow error was recovered from: no agent.error
    expect(names().filter((n) => n === "agent.error" || n === "agent.idle")).toEqual(["agent.idle"]);
  });

  test("manual compaction while idle: working, then idle after settle", () => {
    const { t, feed, names } = setup();
    feed({ type: "compaction_start", reason: "manual" });
    feed({ type: "compaction_end", reason: "manual", aborted: true, willRetry: false });
    t.settle();
    expect(names()).toEqual(["agent.working", "compact.start", "compact.end", "agent.idle"]);
  });
});

describe("steer and follow-up attribution", () => {
  test("queued messages get their client_id back when pi takes them out of the queue", () => {
    const { t, feed, out } = setup();
    t.users.expectPrompt("p1");
    feed(
      { type: "agent_start" },
      { type: "message_start", message: user("go") },
      { type: "message_end", message: user("go") },
    );
    t.users.expectQueued("steer", "s1");
    feed({ type: "queue_update", steering: ["steer one"], followUp: [] });
    t.users.expectQueued("follow_up", "f1");
    feed({ type: "queue_update", steering: ["steer one"], followUp: ["follow up"] });
    t.users.expectQueued("steer", "s-refused");
    t.users.forget("s-refused");
    feed(
      { type: "message_start", message: asst([]) },
      textDelta("busy"),
      { type: "message_end", message: asst([{ type: "text", text: "busy" }]) },
      { type: "turn_start" },
      { type: "queue_update", steering: [], followUp: ["follow up"] },
      { type: "message_start", message: user("steer one") },
      { type: "message_end", message: user("steer one") },
      { type: "turn_start" },
      { type: "queue_update", steering: [], followUp: [] },
      { type: "message_start", message: user("follow up") },
      { type: "message_end", message: user("follow up") },
    );
    const users = out.filter((e) => e.event === "stream.message_start" && e.role === "user");
    expect(users.map((e) => (e as { client_id?: string }).client_id)).toEqual(["p1", "s1", "f1"]);
    expect(out.filter((e) => e.event === "agent.queue").at(0)).toEqual({
      event: "agent.queue",
      steering: ["steer one"],
      follow_up: [],
    });
  });

  test("a queue that shrinks without a user message (cleared) does not mislabel the next message", () => {
    const { t, feed, out } = setup();
    t.users.expectQueued("steer", "s1");
    feed(
      { type: "queue_update", steering: ["x"], followUp: [] },
      { type: "queue_update", steering: [], followUp: [] },
    );
    feed({ type: "agent_start" }, { type: "message_start", message: user("other") });
    expect(out.at(-1)).toEqual({
      event: "stream.message_start",
      message_id: expect.any(String),
      role: "user",
    });
  });

  test("a stale prompt slot (extension command, no message) is replaced by the next prompt", () => {
    const { t, feed, out } = setup();
    t.users.expectPrompt("ext-cmd");
    t.users.expectPrompt("p2");
    feed({ type: "message_start", message: user("hi") });
    expect(out.at(-1)).toMatchObject({ client_id: "p2" });
    feed({ type: "message_start", message: user("from an extension") });
    expect(out.at(-1)).not.toHaveProperty("client_id");
  });
});

describe("extension UI", () => {
  const req = (o: object) => ({ type: "extension_ui_request", id: "r1", ...o });
  test("dialogs become input_needed, the rest notices; answering closes the dialog once", () => {
    const { t, feed, out } = setup();
    feed(
      req({ method: "confirm", title: "Run bash?", message: "echo hi", timeout: 10000 }),
      req({ id: "r2", method: "select", title: "Pick", options: ["red", "blue", 3] }),
      req({ id: "r3", method: "input", title: "Name?", placeholder: "type..." }),
      req({ id: "r4", method: "editor", title: "Edit", prefill: "a\nb" }),
      req({ method: "notify", message: "approved", notifyType: "warning" }),
      req({ method: "setStatus", statusKey: "probe", statusText: "ready" }),
      req({ method: "setStatus", statusKey: "probe" }),
      req({ method: "setWidget", widgetKey: "w", widgetLines: ["line"] }),
      req({ method: "setTitle", title: "pi - x" }),
      req({ method: "set_editor_text", text: "draft" }),
      req({ method: "somethingNew" }),
      { type: "extension_error", extensionPath: "/x.ts", event: "tool_call", error: "boom" },
    );
    expect(out).toEqual([
      {
        event: "agent.input_needed",
        request: { id: "r1", kind: "confirm", title: "Run bash?", message: "echo hi", timeout_ms: 10000 },
      },
      {
        event: "agent.input_needed",
        request: { id: "r2", kind: "select", title: "Pick", options: ["red", "blue"] },
      },
      {
        event: "agent.input_needed",
        request: { id: "r3", kind: "input", title: "Name?", placeholder: "type..." },
      },
      { event: "agent.input_needed", request: { id: "r4", kind: "editor", title: "Edit", prefill: "a\nb" } },
      { event: "agent.notice", kind: "notify", level: "warning", text: "approved" },
      { event: "agent.notice", kind: "status", key: "probe", text: "ready" },
      { event: "agent.notice", kind: "status", key: "probe" },
      { event: "agent.notice", kind: "widget", key: "w", lines: ["line"] },
      { event: "agent.notice", kind: "title", text: "pi - x" },
      { event: "agent.notice", kind: "editor_text", text: "draft" },
      {
        event: "agent.notice",
        kind: "notify",
        level: "error",
        text: "extension /x.ts failed in tool_call: boom",
      },
    ]);
    out.length = 0;
    expect(t.answered("r1")).toBe(true);
    expect(t.answered("r1")).toBe(false);
    expect(t.expired("nope")).toBe(false);
    expect(t.expired("r2")).toBe(true);
    expect(out).toEqual([
      { event: "agent.input_closed", request_id: "r1", reason: "answered" },
      { event: "agent.input_closed", request_id: "r2", reason: "timeout" },
    ]);
  });
});

describe("pi dies", () => {
  test("mid-stream: the partial message from deltas, the running tool, the open dialog are closed; error + idle", () => {
    const { t, feed, out, names, take } = setup();
    feed(
      { type: "agent_start" },
      { type: "tool_execution_start", toolCallId: "c9", toolName: "bash", args: {} },
      { type: "extension_ui_request", id: "d1", method: "confirm", title: "ok?" },
      { type: "message_start", message: asst([]) },
      textDelta("half an ans"),
    );
    take();
    t.interrupted("pi exited with signal SIGKILL");
    expect(names()).toEqual([
      "stream.message_end",
      "tool.end",
      "agent.input_closed",
      "agent.error",
      "agent.idle",
    ]);
    expect(out[0]).toMatchObject({
      message: { role: "assistant", stop: "error", parts: [{ type: "text", text: "half an ans" }] },
    });
    expect(out[3]).toEqual({
      event: "agent.error",
      error: { code: "agent_crashed", message: "pi exited with signal SIGKILL" },
      recoverable: true,
    });
    expect(t.busy).toBe(false);
  });

  test("garbage lines become a warning notice and the stream goes on", () => {
    const { t, feed, names } = setup();
    t.feed({ kind: "garbage", line: "Segmentation fault", reason: "not JSON" });
    feed({ type: "agent_start" });
    expect(names()).toEqual(["agent.notice", "agent.working"]);
  });

  test("message_end without message_start and unknown events are tolerated", () => {
    const { feed, names } = setup();
    feed({ type: "brand_new_event" }, { type: "message_end", message: { role: "custom", content: "note" } });
    expect(names()).toEqual(["stream.message_start", "stream.message_end"]);
  });
});

import { describe, expect, test } from "bun:test";
import * as v from "valibot";
import { type AgentEvent, agentEventSchema } from "./agent.ts";
import { newId } from "./ids.ts";
import { decodeClientFrame, decodeServerFrame, encodeAgentEvent, errorResponse, okResponse } from "./mux.ts";

const ses = newId("ses");
const msg = newId("msg");
const frame = (o: unknown) => JSON.stringify(o);

describe("decodeClientFrame", () => {
  test("decodes a prompt with its id and strips ch/id from the command", () => {
    const r = decodeClientFrame(
      frame({ ch: "agent", id: "7", cmd: "prompt", session_id: ses, message: "hi", client_id: "c1" }),
    );
    expect(r).toEqual({
      ok: true,
      frame: {
        ch: "agent",
        id: "7",
        command: { cmd: "prompt", session_id: ses, message: "hi", client_id: "c1" },
      },
    });
  });

  test("system ping and pong", () => {
    expect(decodeClientFrame(frame({ ch: "system", id: "p", cmd: "ping", ts: 5 })).ok).toBe(true);
    expect(decodeClientFrame(frame({ ch: "system", cmd: "pong", ts: 5 })).ok).toBe(true);
    expect(decodeClientFrame(frame({ ch: "system", cmd: "pong" })).ok).toBe(false);
  });

  test("other channels pass through with their body", () => {
    const r = decodeClientFrame(frame({ ch: "terminal", id: "1", cmd: "open", cols: 80 }));
    expect(r).toEqual({ ok: true, frame: { ch: "terminal", id: "1", cmd: "open", body: { cols: 80 } } });
  });

  const bad: [string, string, string, string | undefined][] = [
    ["not json", "{", "invalid_json", undefined],
    ["an array", "[1]", "bad_request", undefined],
    ["no channel", frame({ id: "1", cmd: "prompt" }), "bad_request", "1"],
    ["unknown channel", frame({ ch: "nope", id: "1", cmd: "x" }), "bad_request", "1"],
    ["numeric id", frame({ ch: "agent", id: 3, cmd: "abort" }), "bad_request", undefined],
    ["no cmd", frame({ ch: "agent", id: "1" }), "bad_request", "1"],
    [
      "unknown command",
      frame({ ch: "agent", id: "1", cmd: "explode", session_id: ses }),
      "unknown_command",
      "1",
    ],
    ["prototype key as command", frame({ ch: "agent", id: "1", cmd: "toString" }), "unknown_command", "1"],
    [
      "missing client_id",
      frame({ ch: "agent", id: "1", cmd: "prompt", session_id: ses, message: "x" }),
      "validation_failed",
      "1",
    ],
    [
      "bad session id",
      frame({ ch: "agent", id: "1", cmd: "abort", session_id: "ses_x" }),
      "validation_failed",
      "1",
    ],
    [
      "extra field",
      frame({ ch: "agent", id: "1", cmd: "abort", session_id: ses, force: true }),
      "validation_failed",
      "1",
    ],
    [
      "bad model",
      frame({ ch: "agent", id: "1", cmd: "set_model", session_id: ses, model: "gpt" }),
      "validation_failed",
      "1",
    ],
    [
      "two answers",
      frame({
        ch: "agent",
        id: "1",
        cmd: "input_response",
        session_id: ses,
        request_id: "r",
        value: "a",
        cancelled: true,
      }),
      "validation_failed",
      "1",
    ],
    [
      "no answer",
      frame({ ch: "agent", id: "1", cmd: "input_response", session_id: ses, request_id: "r" }),
      "validation_failed",
      "1",
    ],
    ["oversized", `{"ch":"agent","x":"${"a".repeat(8 * 1024 * 1024)}"}`, "payload_too_large", undefined],
  ];
  for (const [name, raw, code, id] of bad) {
    test(`refuses ${name} with ${code}`, () => {
      const r = decodeClientFrame(raw);
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.error.code).toBe(code as never);
      expect(r.error.message.length).toBeGreaterThan(5);
      expect(r.id).toBe(id as never);
    });
  }

  test("validation errors name the field", () => {
    const r = decodeClientFrame(
      frame({ ch: "agent", id: "1", cmd: "prompt", session_id: ses, message: 3, client_id: "c" }),
    );
    expect(!r.ok && r.error.message).toContain("message");
  });
});

describe("agent events on the wire", () => {
  test("a 1-token text delta costs well under 150 bytes with its envelope", () => {
    const wire = encodeAgentEvent(ses, 123_456, Date.now(), { event: "stream.text_delta", delta: " the" });
    expect(wire.length).toBeLessThan(140);
    const withPart = encodeAgentEvent(ses, 123_456, Date.now(), {
      event: "stream.text_delta",
      part: 1,
      delta: " the",
    });
    expect(withPart.length).toBeLessThan(150);
  });

  test("encode → decodeServerFrame round-trips, and the decoder rejects bad envelopes and events", () => {
    const event: AgentEvent = { event: "tool.end", call_id: "c", output: "hi\n", is_error: false };
    const wire = encodeAgentEvent(ses, 3, 1000, event);
    expect(decodeServerFrame(wire)).toEqual({
      ok: true,
      frame: { ch: "agent", session_id: ses, seq: 3, ts: 1000, ...event },
    });
    expect(decodeServerFrame(encodeAgentEvent(ses, 0, 1, event)).ok).toBe(false);
    expect(decodeServerFrame(encodeAgentEvent(ses, 1, 1, { event: "nope" } as never)).ok).toBe(false);
    const msgEnd = encodeAgentEvent(ses, 4, 1, {
      event: "stream.message_end",
      message: { id: msg, role: "assistant", parts: [{ type: "text", text: "x" }], created_at: 1 },
    });
    expect(decodeServerFrame(msgEnd).ok).toBe(true);
  });

  test("responses and system frames decode", () => {
    expect(decodeServerFrame(frame(okResponse("agent", "1", "abort"))).ok).toBe(true);
    const err = errorResponse("agent", "1", "prompt", { code: "busy", message: "use steer" });
    expect(decodeServerFrame(frame(err))).toEqual({ ok: true, frame: err });
    expect(decodeServerFrame(frame({ ...err, error: { code: "made_up", message: "" } })).ok).toBe(false);
    expect(
      decodeServerFrame(
        frame({ ch: "system", event: "resync", session_id: ses, after_seq: 9, reason: "slow" }),
      ).ok,
    ).toBe(true);
    expect(decodeServerFrame(frame({ ch: "system", event: "ping" })).ok).toBe(false);
  });

  test("the event schema rejects a message with a foreign id", () => {
    const r = v.safeParse(agentEventSchema, {
      event: "stream.message_start",
      message_id: "abc",
      role: "assistant",
    });
    expect(r.success).toBe(false);
  });
});

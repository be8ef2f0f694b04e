import { describe, expect, test } from "bun:test";
import { classifyLine, extractDelta, LineSplitter } from "./framing.ts";

const enc = new TextEncoder();

function split(chunks: (string | Uint8Array)[]) {
  const lines: string[] = [];
  const s = new LineSplitter((l) => lines.push(l));
  for (const c of chunks) s.push(c);
  return { lines, tail: s.end() };
}

describe("LineSplitter", () => {
  test("splits on \\n only: U+2028 and U+2029 stay inside the line", () => {
    const a = JSON.stringify({ type: "x", text: "a\u2028b\u2029c" });
    const { lines } = split([`${a}\n{"type":"y"}\n`]);
    expect(lines).toEqual([a, '{"type":"y"}']);
    expect(JSON.parse(lines[0] ?? "").text).toBe("a\u2028b\u2029c");
  });

  test("joins lines across chunks, drops \\r and empty lines", () => {
    const { lines, tail } = split(['{"type":', '"a"}\r\n\n{"ty', 'pe":"b"}\n']);
    expect(lines).toEqual(['{"type":"a"}', '{"type":"b"}']);
    expect(tail).toBeUndefined();
  });

  test("decodes a multi-byte character split between two chunks", () => {
    const bytes = enc.encode('{"type":"x","t":"héllo 🐙"}\n');
    const cut = bytes.indexOf(0xf0) + 2; // inside the 4-byte octopus
    const { lines } = split([bytes.slice(0, cut), bytes.slice(cut)]);
    expect(JSON.parse(lines[0] ?? "").t).toBe("héllo 🐙");
  });

  test("a line cut off when the writer died is returned by end(), not emitted", () => {
    const { lines, tail } = split(['{"type":"a"}\n{"type":"message_upd']);
    expect(lines).toEqual(['{"type":"a"}']);
    expect(tail).toBe('{"type":"message_upd');
  });
});

const update = (type: string, ci: number, delta: string) =>
  JSON.stringify({
    type: "message_update",
    assistantMessageEvent: {
      type,
      contentIndex: ci,
      delta,
      partial: { content: [{ type: "text", text: "ahead" }] },
    },
    message: { role: "assistant", content: [{ type: "text", text: `snapshot "${delta}"` }] },
  });

describe("extractDelta (fast path)", () => {
  test("recognises text, thinking and toolcall deltas without parsing the snapshot", () => {
    expect(extractDelta(update("text_delta", 0, "Hello"))).toEqual({
      kind: "delta",
      delta: "text",
      index: 0,
      text: "Hello",
    });
    expect(extractDelta(update("thinking_delta", 12, "hm"))).toEqual({
      kind: "delta",
      delta: "thinking",
      index: 12,
      text: "hm",
    });
    expect(extractDelta(update("toolcall_delta", 1, '{"command'))).toEqual({
      kind: "delta",
      delta: "toolcall",
      index: 1,
      text: '{"command',
    });
  });

  test("unescapes quotes, backslashes, unicode escapes and newlines exactly like JSON.parse", () => {
    for (const s of ['say "hi"', "back\\slash\\", "line\nbreak\ttab", "\u2028\u0001é🐙", '\\"', ""]) {
      expect(extractDelta(update("text_delta", 0, s))).toEqual({
        kind: "delta",
        delta: "text",
        index: 0,
        text: s,
      });
    }
  });

  test("leaves other shapes to the slow path", () => {
    expect(extractDelta(update("text_start", 0, "x"))).toBeUndefined();
    expect(
      extractDelta(
        '{"type":"message_update","assistantMessageEvent":{"type":"text_delta","delta":"x","contentIndex":0}}',
      ),
    ).toBeUndefined();
    expect(
      extractDelta(
        '{"type":"message_update","assistantMessageEvent":{"type":"text_delta","contentIndex":0,"delta":"unterminated',
      ),
    ).toBeUndefined();
    expect(
      extractDelta(
        '{"type":"message_update","assistantMessageEvent":{"type":"text_delta","contentIndex":,"delta":"x"}}',
      ),
    ).toBeUndefined();
  });
});

describe("classifyLine", () => {
  test("parses events and reports garbage as a value", () => {
    expect(classifyLine('{"type":"agent_start"}')).toEqual({ kind: "json", value: { type: "agent_start" } });
    expect(classifyLine("Debugger attached.").kind).toBe("garbage");
    expect(classifyLine("[1,2]")).toMatchObject({ kind: "garbage", reason: "not a JSON object" });
    expect(classifyLine('{"no":"type"}')).toMatchObject({ kind: "garbage", reason: "no type field" });
    const long = classifyLine(`x${"y".repeat(10_000)}`);
    expect(long.kind === "garbage" && long.line.length).toBeLessThan(300);
  });

  test("a slow-path delta (fields in another order) still parses", () => {
    const line =
      '{"type":"message_update","assistantMessageEvent":{"delta":"x","type":"text_delta","contentIndex":0}}';
    expect(classifyLine(line).kind).toBe("json");
  });
});

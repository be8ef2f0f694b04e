import { describe, expect, test } from "bun:test";
import { classifyLine, extractDelta, type PiLine, PiLineReader } from "./framing.ts";

const enc = new TextEncoder();
const bytes = (s: string) => enc.encode(s);

function read(chunks: (string | Uint8Array)[]) {
  const lines: PiLine[] = [];
  const r = new PiLineReader((l) => lines.push(l));
  for (const c of chunks) r.push(typeof c === "string" ? bytes(c) : c);
  return { lines, tail: r.end() };
}
const json = (value: object): PiLine => ({ kind: "json", value: value as Record<string, unknown> });

describe("PiLineReader framing", () => {
  test("splits on \\n only: U+2028 and U+2029 stay inside the line", () => {
    const a = { type: "x", text: "a\u2028b\u2029c" };
    const { lines } = read([`${JSON.stringify(a)}\n{"type":"y"}\n`]);
    expect(lines).toEqual([json(a), json({ type: "y" })]);
  });

  test("joins lines across chunks, drops \\r and empty lines", () => {
    const { lines, tail } = read(['{"type":', '"a"}\r\n\n{"ty', 'pe":"b"}\n']);
    expect(lines).toEqual([json({ type: "a" }), json({ type: "b" })]);
    expect(tail).toBeUndefined();
  });

  test("decodes a multi-byte character split between two chunks", () => {
    const b = bytes('{"type":"x","t":"héllo 🐙"}\n');
    const cut = b.indexOf(0xf0) + 2; // inside the 4-byte octopus
    expect(read([b.slice(0, cut), b.slice(cut)]).lines).toEqual([json({ type: "x", t: "héllo 🐙" })]);
  });

  test("a line cut off when the writer died is returned by end(), not emitted", () => {
    const { lines, tail } = read(['{"type":"a"}\n{"type":"message_upd']);
    expect(lines).toEqual([json({ type: "a" })]);
    expect(tail).toBe('{"type":"message_upd');
  });

  test("garbage lines are values and reading goes on", () => {
    const { lines } = read(['Debugger attached.\n{"type":"a"}\n']);
    expect(lines.map((l) => l.kind)).toEqual(["garbage", "json"]);
  });

  test("delta lines: the delta is taken from the first bytes, at any chunk boundary, the snapshot skipped", () => {
    const lines = [
      update("text_delta", 0, 'Hé "🐙"'),
      update("thinking_delta", 3, "x\ny"),
      '{"type":"agent_end"}',
    ];
    const all = bytes(`${lines.join("\n")}\n`);
    const expected = [
      { kind: "delta", delta: "text", index: 0, text: 'Hé "🐙"' },
      { kind: "delta", delta: "thinking", index: 3, text: "x\ny" },
      json({ type: "agent_end" }),
    ];
    for (let cut = 1; cut < all.length; cut += 7) {
      expect(read([all.slice(0, cut), all.slice(cut)]).lines).toEqual(expected as PiLine[]);
    }
    // one byte at a time
    expect(read(Array.from(all, (b) => new Uint8Array([b]))).lines).toEqual(expected as PiLine[]);
  });

  test("a delta line cut off after its delta: the delta counts, end() reports the cut line", () => {
    const line = update("text_delta", 0, "last words");
    const { lines, tail } = read([line.slice(0, line.length - 20)]);
    expect(lines).toEqual([{ kind: "delta", delta: "text", index: 0, text: "last words" }]);
    expect(tail?.startsWith('{"type":"message_update"')).toBe(true);
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

import { describe, expect, test } from "bun:test";
import * as v from "valibot";
import { ModelBody } from "../protocol/llm.ts";
import { costOf, UsageMeter } from "./usage.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

/** Feeds `text` split at every `step` bytes, to prove events cut mid-line are still read. */
function meter(kind: "openai" | "anthropic", text: string, step = 7, streamed = true) {
  const m = new UsageMeter(kind, streamed);
  const all = bytes(text);
  for (let i = 0; i < all.length; i += step) m.push(all.slice(i, i + step));
  return m.result();
}

describe("UsageMeter", () => {
  test("OpenAI: the usage chunk, with cached prompt tokens reported apart", () => {
    const sse = [
      'data: {"choices":[{"delta":{"content":"hi"}}]}',
      'data: {"choices":[],"usage":{"prompt_tokens":1200,"completion_tokens":34,"prompt_tokens_details":{"cached_tokens":1000}}}',
      "data: [DONE]",
      "",
    ].join("\n\n");
    for (const step of [1, 7, 4096]) {
      expect(meter("openai", sse, step)).toEqual({ input: 200, output: 34, cacheRead: 1000, cacheWrite: 0 });
    }
  });

  test("OpenAI: `usage: null` on every chunk and no final usage means no usage", () => {
    const sse = 'data: {"choices":[{"delta":{"content":"x"}}],"usage":null}\n\ndata: [DONE]\n\n';
    expect(meter("openai", sse)).toBeNull();
  });

  test("Anthropic: message_start input and cache counts, message_delta cumulative output", () => {
    const sse = [
      "event: message_start",
      'data: {"type":"message_start","message":{"usage":{"input_tokens":50,"output_tokens":1,"cache_read_input_tokens":900,"cache_creation_input_tokens":100}}}',
      "",
      "event: content_block_delta",
      'data: {"type":"content_block_delta","delta":{"type":"text_delta","text":"the word usage appears"}}',
      "",
      "event: message_delta",
      'data: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":321}}',
      "",
    ].join("\n");
    expect(meter("anthropic", sse, 5)).toEqual({ input: 50, output: 321, cacheRead: 900, cacheWrite: 100 });
  });

  test("a stream cut before any usage, garbage, and CRLF line ends", () => {
    expect(meter("anthropic", 'event: ping\ndata: {"type":"ping"}\n\ndata: {"usage": {broken\n')).toBeNull();
    const crlf = 'data: {"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":4}}\r\n\r\n';
    expect(meter("openai", crlf)).toEqual({ input: 3, output: 4, cacheRead: 0, cacheWrite: 0 });
  });

  test("a non-streamed JSON answer is read whole at the end", () => {
    const body = JSON.stringify({ id: "m", usage: { input_tokens: 10, output_tokens: 20 } });
    expect(meter("anthropic", body, 3, false)).toEqual({
      input: 10,
      output: 20,
      cacheRead: 0,
      cacheWrite: 0,
    });
    expect(meter("openai", "{not json", 3, false)).toBeNull();
  });

  test("negative or non-numeric counts are ignored", () => {
    const sse = 'data: {"usage":{"prompt_tokens":-5,"completion_tokens":"7"}}\n\n';
    expect(meter("openai", sse)).toBeNull();
  });
});

describe("costOf", () => {
  test("prices are per million tokens, per kind of token", () => {
    const model = v.parse(ModelBody, {
      id: "m",
      input_price: 3,
      output_price: 15,
      cache_read_price: 0.3,
      cache_write_price: 3.75,
    });
    const cost = costOf({ input: 1_000_000, output: 2_000, cacheRead: 10_000, cacheWrite: 4_000 }, model);
    expect(cost).toBeCloseTo(3 + 0.03 + 0.003 + 0.015, 12);
    expect(costOf({ input: 0, output: 0, cacheRead: 0, cacheWrite: 0 }, model)).toBe(0);
  });
});

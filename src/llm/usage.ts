import type { ModelSpec, ProviderKind } from "../protocol/llm.ts";

/**
 * Token usage read off a provider's response while it streams through, and its cost.
 * OpenAI reports usage in one chunk near the end (`stream_options.include_usage`); Anthropic in
 * `message_start` (input, cache) and `message_delta` (output, cumulative).
 */

export interface UsageCounts {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

/** A line longer than this is not a usage event worth keeping in memory. */
const MAX_LINE = 1 << 20;
/** Non-streamed JSON answers are kept up to this size to read their usage. */
const MAX_JSON = 8 << 20;

const num = (x: unknown): number | undefined =>
  typeof x === "number" && Number.isFinite(x) && x >= 0 ? Math.floor(x) : undefined;

type Json = Record<string, unknown>;
const obj = (x: unknown): Json | undefined =>
  typeof x === "object" && x !== null && !Array.isArray(x) ? (x as Json) : undefined;

/** OpenAI counts cached prompt tokens inside prompt_tokens; we report them apart, as pi does. */
function applyOpenAi(into: UsageCounts, usage: Json): boolean {
  // Chat completions say prompt/completion; the transcription (and Responses) API input/output.
  const prompt = num(usage.prompt_tokens) ?? num(usage.input_tokens);
  const completion = num(usage.completion_tokens) ?? num(usage.output_tokens);
  if (prompt === undefined && completion === undefined) return false;
  const cached = num(obj(usage.prompt_tokens_details)?.cached_tokens) ?? 0;
  into.cacheRead = cached;
  into.input = Math.max(0, (prompt ?? 0) - cached);
  into.output = completion ?? 0;
  into.cacheWrite = num(usage.cache_creation_input_tokens) ?? 0;
  return true;
}

/** Anthropic's later events repeat cumulative counts: the newest value of each field wins. */
function applyAnthropic(into: UsageCounts, usage: Json): boolean {
  const fields: [keyof UsageCounts, string][] = [
    ["input", "input_tokens"],
    ["output", "output_tokens"],
    ["cacheRead", "cache_read_input_tokens"],
    ["cacheWrite", "cache_creation_input_tokens"],
  ];
  let seen = false;
  for (const [key, name] of fields) {
    const value = num(usage[name]);
    if (value === undefined) continue;
    into[key] = value;
    seen = true;
  }
  return seen;
}

function usageIn(kind: ProviderKind, event: Json): Json | undefined {
  if (kind === "openai") return obj(event.usage);
  return obj(event.usage) ?? obj(obj(event.message)?.usage);
}

const USAGE = Buffer.from('"usage"');
const NEWLINE = 10;

/**
 * Feed it the response bytes as they pass; ask `result()` at the end. Never throws on bad input.
 * Streamed bytes are searched for `"usage"` natively; only the lines that contain it are decoded,
 * so text deltas cost a memchr, not a UTF-8 decode and a string scan.
 */
export class UsageMeter {
  private readonly counts: UsageCounts = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };
  private seen = false;
  /** Streamed: the unfinished last line. Not streamed: the whole body so far. */
  private carry: Buffer = Buffer.alloc(0);
  private tooBig = false;

  constructor(
    private readonly kind: ProviderKind,
    private readonly streamed: boolean,
  ) {}

  push(bytes: Uint8Array): void {
    const chunk = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (!this.streamed) {
      if (this.carry.length + chunk.length > MAX_JSON) this.tooBig = true;
      else this.carry = Buffer.concat([this.carry, chunk]);
      return;
    }
    const data = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk;
    let from = 0;
    for (let hit = data.indexOf(USAGE, from); hit !== -1; hit = data.indexOf(USAGE, from)) {
      const lineEnd = data.indexOf(NEWLINE, hit);
      if (lineEnd === -1) break;
      const lineStart = data.lastIndexOf(NEWLINE, hit) + 1;
      this.line(data.toString("utf8", Math.max(lineStart, from), lineEnd));
      from = lineEnd + 1;
    }
    const tail = data.lastIndexOf(NEWLINE) + 1;
    const rest = data.subarray(Math.max(tail, from));
    // Copied: the caller's chunk is passed on downstream and must not be pinned here.
    this.carry = rest.length > MAX_LINE ? Buffer.alloc(0) : Buffer.from(rest);
  }

  /** The usage seen, or null when the provider reported none (e.g. the stream was cut early). */
  result(): UsageCounts | null {
    if (!this.streamed && !this.tooBig && this.carry.length > 0) this.event(this.carry.toString("utf8"));
    if (this.streamed && this.carry.length > 0) this.line(this.carry.toString("utf8"));
    this.carry = Buffer.alloc(0);
    return this.seen ? { ...this.counts } : null;
  }

  private line(raw: string): void {
    const text = raw.trimStart();
    if (!text.startsWith("data:") || !text.includes('"usage"')) return;
    this.event(text.slice(5).trim());
  }

  private event(text: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return;
    }
    const event = obj(parsed);
    const usage = event && usageIn(this.kind, event);
    if (!usage) return;
    const applied =
      this.kind === "openai" ? applyOpenAi(this.counts, usage) : applyAnthropic(this.counts, usage);
    this.seen ||= applied;
  }
}

/** Prices per 1M tokens, all known; null when the model's input or output price is unknown. */
export interface KnownPrices {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

/** A cache price left out is charged at the input price: an upper bound for reads. */
export function pricesOf(model: ModelSpec): KnownPrices | null {
  if (model.input_price === undefined || model.output_price === undefined) return null;
  return {
    input: model.input_price,
    output: model.output_price,
    cacheRead: model.cache_read_price ?? model.input_price,
    cacheWrite: model.cache_write_price ?? model.input_price,
  };
}

/** USD for these counts at the model's prices (per 1M tokens); null when its price is unknown. */
export function costOf(counts: UsageCounts, model: ModelSpec): number | null {
  const p = pricesOf(model);
  if (!p) return null;
  const micro =
    counts.input * p.input +
    counts.output * p.output +
    counts.cacheRead * p.cacheRead +
    counts.cacheWrite * p.cacheWrite;
  return micro / 1_000_000;
}

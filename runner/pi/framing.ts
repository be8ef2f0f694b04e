/**
 * pi's stdout framing: strict JSON lines split on `\n` only (never U+2028/U+2029, which are legal
 * inside JSON strings and which Node's readline would split on), an optional trailing `\r` dropped.
 *
 * The hot path: during a long answer almost every line is a `message_update` text/thinking/toolcall
 * delta that also carries the whole message so far, twice (108 MB of stdout for 10k tokens).
 * `classifyLine` recognises those by prefix and cuts out just the delta string, never parsing the
 * snapshots. Everything else is JSON.parse'd; a line that is not a JSON object is reported as
 * garbage, and the caller keeps going.
 */

export type DeltaKind = "text" | "thinking" | "toolcall";

export type PiLine =
  | { readonly kind: "delta"; readonly delta: DeltaKind; readonly index: number; readonly text: string }
  | { readonly kind: "json"; readonly value: Record<string, unknown> }
  | { readonly kind: "garbage"; readonly line: string; readonly reason: string };

/** Splits a byte stream into lines. Multi-byte characters split across chunks are decoded whole. */
export class LineSplitter {
  private readonly decoder = new TextDecoder("utf-8");
  private buffer = "";

  constructor(private readonly onLine: (line: string) => void) {}

  push(chunk: Uint8Array | string): void {
    const text = typeof chunk === "string" ? chunk : this.decoder.decode(chunk, { stream: true });
    let start = 0;
    let nl = text.indexOf("\n");
    if (nl === -1) {
      this.buffer += text;
      return;
    }
    // First line completes whatever was buffered from the previous chunk.
    this.emit(this.buffer + text.slice(0, nl));
    this.buffer = "";
    start = nl + 1;
    nl = text.indexOf("\n", start);
    while (nl !== -1) {
      this.emit(text.slice(start, nl));
      start = nl + 1;
      nl = text.indexOf("\n", start);
    }
    this.buffer = text.slice(start);
  }

  /** End of stream: returns the unterminated tail (a line cut off when the writer died), if any. */
  end(): string | undefined {
    const rest = this.buffer + this.decoder.decode();
    this.buffer = "";
    return rest.length > 0 ? rest : undefined;
  }

  private emit(line: string): void {
    const clean = line.endsWith("\r") ? line.slice(0, -1) : line;
    if (clean.length > 0) this.onLine(clean);
  }
}

const DELTA_PREFIX = '{"type":"message_update","assistantMessageEvent":{"type":"';
const DELTA_KINDS: readonly [string, DeltaKind][] = [
  ['text_delta","contentIndex":', "text"],
  ['thinking_delta","contentIndex":', "thinking"],
  ['toolcall_delta","contentIndex":', "toolcall"],
];
const DELTA_FIELD = ',"delta":"';

/**
 * Fast path: `{"type":"message_update","assistantMessageEvent":{"type":"text_delta","contentIndex":N,"delta":"…"`.
 * Returns undefined when the line does not have exactly that shape (a provider that orders its
 * fields differently simply takes the slow path).
 */
export function extractDelta(line: string): PiLine | undefined {
  if (!line.startsWith(DELTA_PREFIX)) return undefined;
  let kind: DeltaKind | undefined;
  let at = DELTA_PREFIX.length;
  for (const [tail, k] of DELTA_KINDS) {
    if (line.startsWith(tail, at)) {
      kind = k;
      at += tail.length;
      break;
    }
  }
  if (kind === undefined) return undefined;
  let index = 0;
  const digitsStart = at;
  for (let c = line.charCodeAt(at); c >= 48 && c <= 57; c = line.charCodeAt(++at))
    index = index * 10 + c - 48;
  if (at === digitsStart || at - digitsStart > 6 || !line.startsWith(DELTA_FIELD, at)) return undefined;
  const open = at + DELTA_FIELD.length; // first char inside the string
  let escaped = false;
  let i = open;
  for (; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === 34 /* " */) break;
    if (c === 92 /* \ */) {
      escaped = true;
      i++; // skip the escaped char; `\uXXXX` digits are never quotes
    }
  }
  if (i >= line.length) return undefined;
  let text: string;
  if (!escaped) text = line.slice(open, i);
  else {
    try {
      text = JSON.parse(line.slice(open - 1, i + 1)) as string;
    } catch {
      return undefined;
    }
  }
  return { kind: "delta", delta: kind, index, text };
}

/** Classify one complete stdout line. Never throws. */
export function classifyLine(line: string): PiLine {
  const fast = extractDelta(line);
  if (fast) return fast;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (e) {
    return { kind: "garbage", line: clip(line), reason: `not JSON: ${(e as Error).message}` };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { kind: "garbage", line: clip(line), reason: "not a JSON object" };
  }
  if (typeof (value as { type?: unknown }).type !== "string") {
    return { kind: "garbage", line: clip(line), reason: "no type field" };
  }
  return { kind: "json", value: value as Record<string, unknown> };
}

/** Garbage is reported, not stored whole: a runaway line could be megabytes. */
const clip = (line: string) => (line.length > 200 ? `${line.slice(0, 200)}…` : line);

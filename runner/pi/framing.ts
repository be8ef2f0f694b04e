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

const DELTA_PREFIX = '{"type":"message_update","assistantMessageEvent":{"type":"';
const DELTA_KINDS: readonly [string, DeltaKind][] = [
  ['text_delta","contentIndex":', "text"],
  ['thinking_delta","contentIndex":', "thinking"],
  ['toolcall_delta","contentIndex":', "toolcall"],
];
const DELTA_FIELD = ',"delta":"';

const SHORT = Symbol("short");
interface DeltaSpan {
  kind: DeltaKind;
  index: number;
  /** first code unit inside the delta string, and the closing quote */
  open: number;
  close: number;
  escaped: boolean;
}

/**
 * Fast path: `{"type":"message_update","assistantMessageEvent":{"type":"text_delta","contentIndex":N,"delta":"…"`.
 * Works on code units (string chars or UTF-8 bytes: the prefix is ASCII, and `"`/`\` never occur
 * inside a multi-byte UTF-8 sequence). Returns undefined when the line has another shape (a provider
 * that orders its fields differently takes the slow path), SHORT when `end` came before a decision.
 */
function scanDelta(
  code: (i: number) => number,
  start: number,
  end: number,
): DeltaSpan | undefined | typeof SHORT {
  const matches = (pat: string, at: number): boolean | typeof SHORT => {
    for (let k = 0; k < pat.length; k++) {
      if (at + k >= end) return SHORT;
      if (code(at + k) !== pat.charCodeAt(k)) return false;
    }
    return true;
  };
  const head = matches(DELTA_PREFIX, start);
  if (head !== true) return head === SHORT ? SHORT : undefined;
  let at = start + DELTA_PREFIX.length;
  let kind: DeltaKind | undefined;
  for (const [tail, k] of DELTA_KINDS) {
    const m = matches(tail, at);
    if (m === SHORT) return SHORT;
    if (m) {
      kind = k;
      at += tail.length;
      break;
    }
  }
  if (kind === undefined) return undefined;
  let index = 0;
  const digits = at;
  for (; at < end; at++) {
    const c = code(at);
    if (c < 48 || c > 57) break;
    index = index * 10 + c - 48;
  }
  if (at >= end) return SHORT;
  if (at === digits || at - digits > 6) return undefined;
  const field = matches(DELTA_FIELD, at);
  if (field !== true) return field === SHORT ? SHORT : undefined;
  const open = at + DELTA_FIELD.length;
  let escaped = false;
  for (let i = open; i < end; i++) {
    const c = code(i);
    if (c === 34 /* " */) return { kind, index, open, close: i, escaped };
    if (c === 92 /* \ */) {
      escaped = true;
      i++; // the escaped char is never the closing quote (\uXXXX digits are not quotes either)
    }
  }
  return SHORT;
}

function deltaLine(span: DeltaSpan, raw: string): PiLine | undefined {
  if (!span.escaped) return { kind: "delta", delta: span.kind, index: span.index, text: raw };
  try {
    return { kind: "delta", delta: span.kind, index: span.index, text: JSON.parse(`"${raw}"`) as string };
  } catch {
    return undefined;
  }
}

/** The fast path on a decoded line. */
export function extractDelta(line: string): PiLine | undefined {
  const span = scanDelta((i) => line.charCodeAt(i), 0, line.length);
  if (span === undefined || span === SHORT) return undefined;
  return deltaLine(span, line.slice(span.open, span.close));
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

/**
 * Reads pi's stdout bytes and emits classified lines. Splits on the byte 0x0A only (UTF-8 never
 * uses it inside a character, and JSON escapes it inside strings). A delta line is recognised
 * from its first bytes; its delta is decoded and the rest of the line (pi's snapshots, ~all of
 * the bytes) is skipped without being decoded or copied.
 */
export class PiLineReader {
  private readonly decoder = new TextDecoder("utf-8");
  /** Bytes of the current line so far, when it is not being skipped. */
  private parts: Uint8Array[] = [];
  private skipping = false;
  private skippedHead = "";

  constructor(private readonly onLine: (line: PiLine) => void) {}

  push(chunk: Uint8Array): void {
    let pos = 0;
    while (pos < chunk.length) {
      const nl = chunk.indexOf(10, pos);
      const end = nl === -1 ? chunk.length : nl;
      if (this.skipping) {
        if (nl === -1) return;
        this.skipping = false;
      } else if (this.parts.length === 0 && this.fastLine(chunk, pos, end, nl !== -1)) {
        // handled
      } else {
        this.parts.push(chunk.subarray(pos, end));
        if (nl !== -1) this.slowLine();
      }
      if (nl === -1) {
        // keep the unfinished line's bytes: the chunk may be reused by the stream
        const last = this.parts.at(-1);
        if (last && last.buffer === chunk.buffer) this.parts[this.parts.length - 1] = last.slice();
        return;
      }
      pos = nl + 1;
    }
  }

  /** End of stream: the start of a line cut off when the writer died, if any. */
  end(): string | undefined {
    if (this.skipping) {
      this.skipping = false;
      return this.skippedHead;
    }
    if (this.parts.length === 0) return undefined;
    const text = this.decoder.decode(Buffer.concat(this.parts));
    this.parts = [];
    return text.length > 0 ? text : undefined;
  }

  private fastLine(chunk: Uint8Array, start: number, end: number, complete: boolean): boolean {
    const span = scanDelta((i) => chunk[i] as number, start, end);
    if (span === undefined || span === SHORT) return false;
    const line = deltaLine(span, this.decoder.decode(chunk.subarray(span.open, span.close)));
    if (!line) return false;
    this.onLine(line);
    if (!complete) {
      this.skipping = true;
      this.skippedHead = this.decoder.decode(chunk.subarray(start, Math.min(end, start + 120)));
    }
    return true;
  }

  private slowLine(): void {
    const bytes = this.parts.length === 1 ? (this.parts[0] as Uint8Array) : Buffer.concat(this.parts);
    this.parts = [];
    let line = this.decoder.decode(bytes);
    if (line.endsWith("\r")) line = line.slice(0, -1);
    if (line.length > 0) this.onLine(classifyLine(line));
  }
}

/**
 * Strict JSON-lines framing over a byte stream: split on `\n` (0x0A) only. 0x0A never occurs
 * inside a multi-byte UTF-8 sequence, so splitting bytes first and decoding each line whole is
 * safe; U+2028/U+2029 inside strings stay where they are (Node's readline would split on them).
 */
export class LineDecoder {
  private parts: Buffer[] = [];
  private pending = 0;
  private overflowed = false;

  constructor(
    private readonly maxLineBytes: number,
    private readonly onLine: (line: string) => void,
    /** Called once per line that exceeded the limit; the rest of that line is skipped. */
    private readonly onOverflow: () => void,
  ) {}

  push(chunk: Uint8Array): void {
    const buf = Buffer.isBuffer(chunk)
      ? chunk
      : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let start = 0;
    for (let nl = buf.indexOf(10, start); nl !== -1; nl = buf.indexOf(10, start)) {
      this.take(buf.subarray(start, nl));
      this.finishLine();
      start = nl + 1;
    }
    if (start < buf.length) this.take(buf.subarray(start));
  }

  private take(piece: Buffer): void {
    if (this.overflowed || piece.length === 0) return;
    if (this.pending + piece.length > this.maxLineBytes) {
      this.overflowed = true;
      this.parts = [];
      this.pending = 0;
      this.onOverflow();
      return;
    }
    // Copy: the caller may reuse its chunk buffer.
    this.parts.push(Buffer.from(piece));
    this.pending += piece.length;
  }

  private finishLine(): void {
    if (this.overflowed) {
      this.overflowed = false;
      return;
    }
    const bytes = this.parts.length === 1 ? (this.parts[0] as Buffer) : Buffer.concat(this.parts);
    this.parts = [];
    this.pending = 0;
    let line = bytes.toString("utf8");
    if (line.endsWith("\r")) line = line.slice(0, -1);
    if (line.length > 0) this.onLine(line);
  }
}

/** One frame: JSON never contains a raw `\n` (it is escaped inside strings). */
export const encodeLine = (value: unknown): string => `${JSON.stringify(value)}\n`;

import { fail, ok, type Result } from "../protocol/errors.ts";

/** One part's headers; its body is read with `MultipartReader.read` until it returns null. */
export interface PartInfo {
  /** The form field name. */
  name: string | null;
  /** The file name as sent (a dropped folder's files carry `dir/file`); null for a plain field. */
  filename: string | null;
  contentType: string | null;
}

export interface MultipartLimits {
  /** Bytes of one part's header block. */
  maxHeaderBytes: number;
  maxParts: number;
}

const DEFAULT_LIMITS: MultipartLimits = { maxHeaderBytes: 16 * 1024, maxParts: 1000 };
const CRLF = Buffer.from("\r\n");
const HEADER_END = Buffer.from("\r\n\r\n");

/** The boundary of a `multipart/form-data` Content-Type, or undefined. */
export function multipartBoundary(contentType: string | null): string | undefined {
  if (!contentType) return undefined;
  const [type, ...params] = contentType.split(";");
  if (type?.trim().toLowerCase() !== "multipart/form-data") return undefined;
  for (const p of params) {
    const eq = p.indexOf("=");
    if (eq < 0 || p.slice(0, eq).trim().toLowerCase() !== "boundary") continue;
    let value = p.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    // RFC 2046: 1-70 characters from a restricted set.
    return /^[0-9A-Za-z'()+_,\-./:=? ]{1,70}$/.test(value) && !value.endsWith(" ") ? value : undefined;
  }
  return undefined;
}

/**
 * A pull-based `multipart/form-data` reader (RFC 7578) over a byte stream: it reads from the
 * network only when its caller asks for more, so an upload moves at the pace of whoever consumes
 * it (here: the runner writing the file), holding at most one network chunk plus a boundary.
 */
export class MultipartReader {
  private buf: Buffer = Buffer.from(CRLF); // the first delimiter is then `\r\n--boundary` like the rest
  private eof = false;
  private state: "preamble" | "headers" | "body" | "done" = "preamble";
  private parts = 0;
  private readonly delimiter: Buffer;
  private readonly limits: MultipartLimits;

  constructor(
    private readonly reader: ReadableStreamDefaultReader<Uint8Array>,
    boundary: string,
    limits: Partial<MultipartLimits> = {},
  ) {
    this.delimiter = Buffer.from(`\r\n--${boundary}`);
    this.limits = { ...DEFAULT_LIMITS, ...limits };
  }

  /** The next part's headers (skipping what is left of the current body), or null after the last. */
  async nextPart(): Promise<Result<PartInfo | null>> {
    if (this.state === "body") {
      for (;;) {
        const r = await this.read(1 << 20);
        if (!r.ok) return r;
        if (r.value === null) break;
      }
    }
    if (this.state === "preamble") {
      const found = await this.skipToDelimiter();
      if (!found.ok) return found;
    }
    if (this.state === "done") return ok(null);
    if (++this.parts > this.limits.maxParts)
      return fail("payload_too_large", `at most ${this.limits.maxParts} parts in one upload`);
    let end = this.buf.indexOf(HEADER_END);
    while (end < 0) {
      if (this.buf.length > this.limits.maxHeaderBytes)
        return fail("bad_request", "a part's headers are too long");
      if (!(await this.fill())) return fail("bad_request", "the multipart body ends inside a part's headers");
      end = this.buf.indexOf(HEADER_END);
    }
    if (end > this.limits.maxHeaderBytes) return fail("bad_request", "a part's headers are too long");
    // The header block starts right after the delimiter line's CRLF.
    const block = this.buf.subarray(0, end).toString("utf8");
    this.buf = this.buf.subarray(end + HEADER_END.length);
    this.state = "body";
    return parseHeaders(block);
  }

  /** Up to `max` bytes of the current part's body; null at its end. */
  async read(max: number): Promise<Result<Uint8Array | null>> {
    if (this.state !== "body") return ok(null);
    for (;;) {
      const at = this.buf.indexOf(this.delimiter);
      if (at > 0) return ok(this.take(Math.min(at, max)));
      if (at === 0) {
        const next = await this.afterDelimiter();
        return next.ok ? ok(null) : next;
      }
      // Everything except a possible start of the delimiter at the end is body.
      const safe = this.buf.length - (this.delimiter.length - 1);
      if (safe > 0) return ok(this.take(Math.min(safe, max)));
      if (!(await this.fill())) return fail("bad_request", "the multipart body ends inside a part");
    }
  }

  private take(n: number): Uint8Array {
    const out = new Uint8Array(this.buf.subarray(0, n));
    this.buf = this.buf.subarray(n);
    return out;
  }

  private async skipToDelimiter(): Promise<Result<void>> {
    for (;;) {
      const at = this.buf.indexOf(this.delimiter);
      if (at >= 0) {
        this.buf = this.buf.subarray(at);
        return this.afterDelimiter();
      }
      // Keep a tail that may be the start of the delimiter; the preamble itself is discarded.
      this.buf = this.buf.subarray(Math.max(0, this.buf.length - this.delimiter.length));
      if (!(await this.fill())) return fail("bad_request", "not a multipart body: no boundary found");
    }
  }

  /** At a delimiter: `--` closes the body, otherwise (optional whitespace and) CRLF starts a part. */
  private async afterDelimiter(): Promise<Result<void>> {
    while (this.buf.length < this.delimiter.length + 2) {
      if (!(await this.fill())) return fail("bad_request", "the multipart body ends at a boundary");
    }
    let rest = this.buf.subarray(this.delimiter.length);
    if (rest[0] === 0x2d && rest[1] === 0x2d) {
      this.state = "done";
      this.buf = Buffer.alloc(0);
      return ok(undefined);
    }
    for (;;) {
      let i = 0;
      while (i < rest.length && (rest[i] === 0x20 || rest[i] === 0x09)) i++;
      if (i + 1 < rest.length) {
        if (rest[i] !== 0x0d || rest[i + 1] !== 0x0a)
          return fail("bad_request", "malformed multipart boundary line");
        this.buf = rest.subarray(i + 2);
        // An immediately following blank line means a part without headers.
        this.buf = Buffer.concat([CRLF, this.buf]);
        this.state = "headers";
        return ok(undefined);
      }
      if (rest.length > 256) return fail("bad_request", "malformed multipart boundary line");
      if (!(await this.fill())) return fail("bad_request", "the multipart body ends at a boundary");
      rest = this.buf.subarray(this.delimiter.length);
    }
  }

  private async fill(): Promise<boolean> {
    if (this.eof) return false;
    const { done, value } = await this.reader.read();
    if (done) {
      this.eof = true;
      return false;
    }
    this.buf = this.buf.length === 0 ? Buffer.from(value) : Buffer.concat([this.buf, value]);
    return true;
  }
}

function parseHeaders(block: string): Result<PartInfo> {
  const info: PartInfo = { name: null, filename: null, contentType: null };
  // `block` starts with the CRLF put back after the boundary line.
  for (const line of block.split("\r\n")) {
    if (line === "") continue;
    const colon = line.indexOf(":");
    if (colon <= 0) return fail("bad_request", "malformed multipart part header");
    const key = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (key === "content-type") info.contentType = value;
    if (key === "content-disposition") {
      const params = dispositionParams(value);
      if (!params) return fail("bad_request", "malformed Content-Disposition in a multipart part");
      info.name = params.name ?? null;
      info.filename = params["filename*"] ?? params.filename ?? null;
    }
  }
  return ok(info);
}

/** `form-data; name="x"; filename="a b.txt"` → {name, filename}; `filename*=UTF-8''…` decoded. */
function dispositionParams(value: string): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  let i = value.indexOf(";");
  if (i < 0) return value.trim().toLowerCase() === "form-data" ? out : undefined;
  while (i < value.length) {
    while (i < value.length && (value[i] === ";" || value[i] === " " || value[i] === "\t")) i++;
    const eq = value.indexOf("=", i);
    if (eq < 0) break;
    const key = value.slice(i, eq).trim().toLowerCase();
    i = eq + 1;
    let v = "";
    if (value[i] === '"') {
      i++;
      while (i < value.length && value[i] !== '"') {
        if (value[i] === "\\" && i + 1 < value.length) i++;
        v += value[i++];
      }
      if (value[i] !== '"') return undefined;
      i++;
    } else {
      const end = value.indexOf(";", i);
      v = value.slice(i, end < 0 ? value.length : end).trim();
      i = end < 0 ? value.length : end;
    }
    if (key === "filename*") {
      const m = /^utf-8'[^']*'(.*)$/i.exec(v);
      if (!m) return undefined;
      try {
        v = decodeURIComponent(m[1] ?? "");
      } catch {
        return undefined;
      }
    } else if (key === "filename" || key === "name") {
      // Browsers escape `"`, CR and LF in names as %22, %0D, %0A (HTML's form-data encoding).
      v = v.replace(/%22/g, '"').replace(/%0D/gi, "\r").replace(/%0A/gi, "\n");
    }
    out[key] = v;
  }
  return out;
}

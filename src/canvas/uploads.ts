import { fail, ok, type Result } from "../protocol/errors.ts";

/** How long an unfinished upload is kept. */
const UPLOAD_TTL_MS = 10 * 60 * 1000;
/** Unfinished uploads one session may hold at once. */
const MAX_PER_SESSION = 4;

interface Upload {
  session: string;
  bytes: Uint8Array;
  /** Offsets received, with their chunk's length: a chunk sent again is written again, harmlessly. */
  chunks: Map<number, number>;
  at: number;
}

/**
 * Chunked uploads from `octo-tool canvas publish` (a tool line holds at most 256 KiB): begun with
 * the size (refused at once when too big), filled chunk by chunk at offsets, taken whole by publish.
 * Held in memory only: an upload a server restart interrupts fails and the tool says to try again.
 */
export class CanvasUploads {
  private readonly uploads = new Map<string, Upload>();

  constructor(
    private readonly maxBytes: number,
    private readonly now: () => number = Date.now,
  ) {}

  begin(session: string, size: number): Result<string> {
    this.prune();
    if (size > this.maxBytes) return tooBig(size, this.maxBytes);
    const mine = [...this.uploads.values()].filter((u) => u.session === session).length;
    if (mine >= MAX_PER_SESSION) return fail("busy", `more than ${MAX_PER_SESSION} canvas uploads at once`);
    const id = `upl_${Buffer.from(crypto.getRandomValues(new Uint8Array(12))).toString("hex")}`;
    this.uploads.set(id, { session, bytes: new Uint8Array(size), chunks: new Map(), at: this.now() });
    return ok(id);
  }

  chunk(session: string, id: string, offset: number, data: Uint8Array): Result<{ received: number }> {
    const u = this.uploads.get(id);
    if (!u || u.session !== session) return gone();
    if (offset + data.length > u.bytes.length)
      return fail("validation_failed", `chunk at ${offset} runs past the upload's ${u.bytes.length} bytes`);
    u.bytes.set(data, offset);
    u.chunks.set(offset, data.length);
    u.at = this.now();
    return ok({ received: [...u.chunks.values()].reduce((a, b) => a + b, 0) });
  }

  /** The whole upload, once every byte arrived; it is forgotten then. */
  take(session: string, id: string): Result<Uint8Array> {
    const u = this.uploads.get(id);
    if (!u || u.session !== session) return gone();
    let end = 0;
    for (const [offset, length] of [...u.chunks].sort((a, b) => a[0] - b[0])) {
      if (offset > end) break;
      end = Math.max(end, offset + length);
    }
    if (end < u.bytes.length)
      return fail("validation_failed", `the upload is incomplete: ${end} of ${u.bytes.length} bytes arrived`);
    this.uploads.delete(id);
    return ok(u.bytes);
  }

  private prune() {
    const cutoff = this.now() - UPLOAD_TTL_MS;
    for (const [id, u] of this.uploads) if (u.at < cutoff) this.uploads.delete(id);
  }
}

export const tooBig = (size: number, max: number) =>
  fail(
    "payload_too_large",
    `the artifact is ${size} bytes; the canvas takes at most ${max} bytes (${Math.round(max / 1024 / 1024)} MiB)`,
  );

const gone = () =>
  fail("not_found", "no such upload (it expired, or the server restarted meanwhile): publish again");

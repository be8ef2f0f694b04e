/** Bytes are copied into fixed blocks so many tiny PTY chunks cost no per-chunk object. */
const BLOCK_BYTES = 16 * 1024;

/** A run of consecutive output events read back as one chunk; `seq` is the last event's. */
export interface ScrollbackChunk {
  seq: number;
  bytes: Buffer;
}

/**
 * A terminal's recent output: the last `limitBytes` (plus at most one block) of PTY bytes, indexed
 * by event seq. Seqs rise but may have gaps (the runner numbers non-output events too).
 *
 * Eviction is by whole events: an event whose first byte is gone is gone entirely, and
 * `discardedThrough` names the newest such seq, so a reader positioned before it knows it missed
 * output and must start over from what is retained.
 */
export class Scrollback {
  private blocks: Buffer[] = [];
  /** Absolute offset of blocks[0][0]. */
  private base = 0;
  /** Absolute offset one past the last byte written. */
  private end = 0;
  /** Event index, oldest first from `head`: seq and absolute end offset of each event's bytes. */
  private seqs: number[] = [];
  private ends: number[] = [];
  private head = 0;
  /** Absolute offset where the first retained event starts. */
  private dataStart = 0;
  discardedThrough = 0;

  constructor(readonly limitBytes: number) {}

  get retainedBytes(): number {
    return this.end - this.dataStart;
  }
  get lastSeq(): number {
    return this.head < this.seqs.length ? (this.seqs[this.seqs.length - 1] as number) : this.discardedThrough;
  }

  /** Appends one event's bytes; returns the newest seq evicted by this append, or 0. */
  append(seq: number, bytes: Uint8Array): number {
    let offset = 0;
    while (offset < bytes.byteLength) {
      const used = this.end - this.base - (this.blocks.length - 1) * BLOCK_BYTES;
      let block = this.blocks[this.blocks.length - 1];
      let at = used;
      if (!block || used >= BLOCK_BYTES) {
        block = Buffer.allocUnsafe(BLOCK_BYTES);
        this.blocks.push(block);
        at = 0;
      }
      const n = Math.min(BLOCK_BYTES - at, bytes.byteLength - offset);
      block.set(bytes.subarray(offset, offset + n), at);
      offset += n;
      this.end += n;
    }
    this.seqs.push(seq);
    this.ends.push(this.end);
    return this.evict();
  }

  /** Forget everything through `seq` (the runner dropped it before we could read it). */
  discard(seq: number): void {
    while (this.head < this.seqs.length && (this.seqs[this.head] as number) <= seq) this.dropEvent();
    if (seq > this.discardedThrough) this.discardedThrough = seq;
  }

  /**
   * Retained output after `position`, as chunks of at most `maxChunkBytes` (one event may exceed
   * it), at most `maxTotalBytes` in all. Starts at the oldest retained event if `position` is older.
   */
  readAfter(position: number, maxChunkBytes = 64 * 1024, maxTotalBytes = Number.POSITIVE_INFINITY) {
    const out: ScrollbackChunk[] = [];
    let i = this.firstAfter(position);
    let total = 0;
    while (i < this.seqs.length && total < maxTotalBytes) {
      const start = i === this.head ? this.dataStart : (this.ends[i - 1] as number);
      let j = i;
      while (j + 1 < this.seqs.length && (this.ends[j + 1] as number) - start <= maxChunkBytes) j++;
      const stop = this.ends[j] as number;
      out.push({ seq: this.seqs[j] as number, bytes: this.copy(start, stop) });
      total += stop - start;
      i = j + 1;
    }
    return out;
  }

  /** Index of the first retained event with seq > position (binary search: seqs are sorted). */
  private firstAfter(position: number): number {
    let lo = this.head;
    let hi = this.seqs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.seqs[mid] as number) <= position) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private copy(from: number, to: number): Buffer {
    const out = Buffer.allocUnsafe(to - from);
    let written = 0;
    let at = from;
    while (at < to) {
      const rel = at - this.base;
      const block = this.blocks[Math.floor(rel / BLOCK_BYTES)] as Buffer;
      const inBlock = rel % BLOCK_BYTES;
      const n = Math.min(BLOCK_BYTES - inBlock, to - at);
      block.copy(out, written, inBlock, inBlock + n);
      written += n;
      at += n;
    }
    return out;
  }

  private evict(): number {
    let evicted = 0;
    while (this.end - this.dataStart > this.limitBytes && this.head < this.seqs.length - 1) {
      evicted = this.dropEvent();
    }
    // Blocks wholly before the retained data are released.
    while (this.blocks.length > 1 && this.base + BLOCK_BYTES <= this.dataStart) {
      this.blocks.shift();
      this.base += BLOCK_BYTES;
    }
    return evicted;
  }

  private dropEvent(): number {
    const seq = this.seqs[this.head] as number;
    this.dataStart = this.ends[this.head] as number;
    this.head++;
    if (seq > this.discardedThrough) this.discardedThrough = seq;
    if (this.head > 4096 && this.head * 2 > this.seqs.length) {
      this.seqs = this.seqs.slice(this.head);
      this.ends = this.ends.slice(this.head);
      this.head = 0;
    }
    return seq;
  }
}

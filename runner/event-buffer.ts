import { fail, ok, type Result } from "../src/protocol/errors.ts";
import type { RunnerEvent, RunnerEventBody } from "../src/protocol/runner.ts";
import { encodeLine } from "../src/shared/lines.ts";

/** An event stamped with its seq and already encoded as one wire line (encoded once, sent many times). */
export interface BufferedLine {
  readonly seq: number;
  readonly line: string;
}

/**
 * One process's events from its first `seq` on, kept until the server acknowledges them.
 *
 * Bounded by bytes: when the unacknowledged lines exceed the bound the oldest are dropped and
 * a reader whose position falls inside the dropped range gets one `resync_needed` marker naming
 * exactly the lost seqs (its own `seq` is the last lost one), then the events that follow.
 */
export class EventBuffer {
  private lines: BufferedLine[] = [];
  private head = 0;
  private bytes = 0;
  private last = 0;
  private acked = 0;
  /** Highest seq no longer retained, whether acknowledged or dropped by the bound. */
  private discardedThrough = 0;
  droppedByBound = 0;

  constructor(
    readonly proc: string,
    readonly limitBytes: number,
  ) {}

  get lastSeq(): number {
    return this.last;
  }
  get ackedSeq(): number {
    return this.acked;
  }
  get retainedBytes(): number {
    return this.bytes;
  }
  get retainedCount(): number {
    return this.lines.length - this.head;
  }

  append(body: RunnerEventBody): RunnerEvent {
    const event = { ...body, proc: this.proc, seq: ++this.last } as RunnerEvent;
    const line = encodeLine(event);
    this.lines.push({ seq: event.seq, line });
    this.bytes += line.length;
    // Always keep the newest event, even if it alone exceeds the bound.
    while (this.bytes > this.limitBytes && this.retainedCount > 1) {
      const dropped = this.shift();
      this.discardedThrough = dropped.seq;
      this.droppedByBound++;
    }
    return event;
  }

  ack(seq: number): Result<void> {
    if (seq > this.last) return fail("bad_request", `ack ${seq} is beyond the last event ${this.last}`);
    if (seq <= this.acked) return ok(undefined);
    this.acked = seq;
    while (this.retainedCount > 0 && (this.lines[this.head] as BufferedLine).seq <= seq) this.shift();
    if (seq > this.discardedThrough) this.discardedThrough = seq;
    return ok(undefined);
  }

  /** Lines for a reader that has seen everything up to `position`, at most `maxLines` of them. */
  readAfter(position: number, maxLines = Number.POSITIVE_INFINITY): BufferedLine[] {
    const out: BufferedLine[] = [];
    let from = position;
    if (from < this.discardedThrough) {
      const marker: RunnerEvent = {
        event: "resync_needed",
        proc: this.proc,
        seq: this.discardedThrough,
        lost_from: from + 1,
        lost_to: this.discardedThrough,
      };
      out.push({ seq: marker.seq, line: encodeLine(marker) });
      from = this.discardedThrough;
    }
    // Retained seqs are consecutive, so the start index is computed, not searched.
    const first = this.retainedCount > 0 ? (this.lines[this.head] as BufferedLine).seq : this.last + 1;
    for (
      let i = this.head + Math.max(0, from + 1 - first);
      i < this.lines.length && out.length < maxLines;
      i++
    ) {
      out.push(this.lines[i] as BufferedLine);
    }
    return out;
  }

  private shift(): BufferedLine {
    const line = this.lines[this.head++] as BufferedLine;
    this.bytes -= line.line.length;
    if (this.head > 1024 && this.head * 2 > this.lines.length) {
      this.lines = this.lines.slice(this.head);
      this.head = 0;
    }
    return line;
  }
}

import { describe, expect, test } from "bun:test";
import type { RunnerEvent } from "../src/protocol/runner.ts";
import { EventBuffer } from "./event-buffer.ts";

const PROC = "prc_0000000000000000000000000000";
const out = (text: string) =>
  ({ event: "output", stream: "stdout", data: Buffer.from(text).toString("base64") }) as const;
const parse = (lines: { line: string }[]) => lines.map((l) => JSON.parse(l.line) as RunnerEvent);
const text = (e: RunnerEvent) => (e.event === "output" ? Buffer.from(e.data, "base64").toString() : e.event);

describe("EventBuffer", () => {
  test("stamps consecutive seqs and replays after a position", () => {
    const b = new EventBuffer(PROC, 1 << 20);
    for (const t of ["a", "b", "c"]) b.append(out(t));
    expect(parse(b.readAfter(0)).map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(parse(b.readAfter(2)).map(text)).toEqual(["c"]);
    expect(b.readAfter(3)).toEqual([]);
  });

  test("ack drops acknowledged events; resume from the acked seq loses and repeats nothing", () => {
    const b = new EventBuffer(PROC, 1 << 20);
    for (const t of ["a", "b", "c", "d"]) b.append(out(t));
    expect(b.ack(2).ok).toBe(true);
    expect(b.retainedCount).toBe(2);
    expect(parse(b.readAfter(2)).map(text)).toEqual(["c", "d"]);
  });

  test("an ack beyond the last event is refused", () => {
    const b = new EventBuffer(PROC, 1 << 20);
    b.append(out("a"));
    const r = b.ack(5);
    expect(r.ok).toBe(false);
    expect(b.ack(0).ok).toBe(true);
  });

  test("hitting the bound drops the oldest and a reader gets one marker naming the lost range", () => {
    const b = new EventBuffer(PROC, 400);
    for (let i = 1; i <= 20; i++) b.append(out(`line ${i}`));
    expect(b.droppedByBound).toBeGreaterThan(0);
    const events = parse(b.readAfter(0));
    const marker = events[0];
    expect(marker?.event).toBe("resync_needed");
    if (marker?.event !== "resync_needed") throw new Error("no marker");
    expect(marker.lost_from).toBe(1);
    expect(marker.seq).toBe(marker.lost_to);
    const rest = events.slice(1).map((e) => e.seq);
    expect(rest[0]).toBe(marker.lost_to + 1);
    expect(rest[rest.length - 1]).toBe(20);
    // Consecutive after the marker: no gaps.
    rest.forEach((s, i) => {
      expect(s).toBe(marker.lost_to + 1 + i);
    });
  });

  test("a reader past the dropped range gets no marker", () => {
    const b = new EventBuffer(PROC, 400);
    for (let i = 1; i <= 20; i++) b.append(out(`line ${i}`));
    expect(parse(b.readAfter(19)).map((e) => e.seq)).toEqual([20]);
  });

  test("the newest event is kept even when it alone exceeds the bound", () => {
    const b = new EventBuffer(PROC, 10);
    b.append(out("x".repeat(100)));
    expect(b.retainedCount).toBe(1);
    expect(parse(b.readAfter(0))[0]?.seq).toBe(1);
  });

  test("maxLines limits one read", () => {
    const b = new EventBuffer(PROC, 1 << 20);
    for (let i = 0; i < 10; i++) b.append(out(String(i)));
    expect(b.readAfter(3, 2).map((l) => l.seq)).toEqual([4, 5]);
  });
});

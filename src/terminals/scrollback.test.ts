import { expect, test } from "bun:test";
import { Scrollback } from "./scrollback.ts";

const bytes = (s: string) => Buffer.from(s);
const text = (chunks: { bytes: Buffer }[]) => chunks.map((c) => c.bytes.toString()).join("");

test("reads back everything after a position, coalesced, with the last event's seq", () => {
  const s = new Scrollback(1024);
  s.append(2, bytes("ab"));
  s.append(3, bytes("cd"));
  s.append(7, bytes("ef"));
  expect(text(s.readAfter(0))).toBe("abcdef");
  expect(s.readAfter(0).map((c) => c.seq)).toEqual([7]);
  expect(text(s.readAfter(3))).toBe("ef");
  // A seq between events (a non-output event) reads from the next one.
  expect(text(s.readAfter(5))).toBe("ef");
  expect(s.readAfter(7)).toEqual([]);
  expect(s.lastSeq).toBe(7);
});

test("chunks end on event boundaries and respect the chunk size", () => {
  const s = new Scrollback(1 << 20);
  for (let i = 1; i <= 10; i++) s.append(i, bytes("x".repeat(100)));
  const chunks = s.readAfter(0, 250);
  expect(chunks.map((c) => c.seq)).toEqual([2, 4, 6, 8, 10]);
  expect(chunks.every((c) => c.bytes.length === 200)).toBe(true);
  // An event bigger than the chunk size still comes whole.
  s.append(11, bytes("y".repeat(1000)));
  expect(s.readAfter(10, 250)[0]?.bytes.length).toBe(1000);
});

test("evicts whole old events past the bound and reports the newest evicted seq", () => {
  const s = new Scrollback(100);
  expect(s.append(1, bytes("a".repeat(60)))).toBe(0);
  expect(s.append(2, bytes("b".repeat(60)))).toBe(1);
  expect(s.discardedThrough).toBe(1);
  expect(text(s.readAfter(0))).toBe("b".repeat(60));
  expect(s.append(3, bytes("c".repeat(30)))).toBe(0);
  expect(text(s.readAfter(0))).toBe("b".repeat(60) + "c".repeat(30));
  // The newest event is kept even when it alone exceeds the bound.
  expect(s.append(4, bytes("d".repeat(500)))).toBe(3);
  expect(text(s.readAfter(0))).toBe("d".repeat(500));
});

test("many tiny events across blocks read back intact", () => {
  const s = new Scrollback(40_000);
  let all = "";
  for (let i = 1; i <= 20_000; i++) {
    const c = String.fromCharCode(97 + (i % 26));
    s.append(i, bytes(c + c));
    all += c + c;
  }
  const retained = text(s.readAfter(0));
  expect(retained.length).toBeLessThanOrEqual(40_000);
  expect(retained.length).toBeGreaterThan(39_000);
  expect(all.endsWith(retained)).toBe(true);
  expect(text(s.readAfter(s.discardedThrough + 100))).toBe(all.slice(2 * (s.discardedThrough + 100)));
});

test("discard drops what the runner lost", () => {
  const s = new Scrollback(1024);
  s.append(1, bytes("old"));
  s.discard(5);
  expect(s.discardedThrough).toBe(5);
  expect(s.readAfter(0)).toEqual([]);
  s.append(6, bytes("new"));
  expect(text(s.readAfter(0))).toBe("new");
});

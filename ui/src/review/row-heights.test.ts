import { expect, test } from "bun:test";
import { RowHeights, visibleRange } from "./row-heights.ts";

/** The same answers the slow way, from a plain array of heights. */
const offsets = (hs: number[]) => {
  const o = [0];
  for (const [i, h] of hs.entries()) o.push((o[i] ?? 0) + h);
  return o;
};
const slowIndexAt = (hs: number[], y: number) => {
  const o = offsets(hs);
  let i = 0;
  while (i + 1 < hs.length && (o[i + 1] ?? 0) <= y) i++;
  return y <= 0 ? 0 : i;
};

test("offsets are the sums of the estimates until rows are measured", () => {
  const h = new RowHeights((i) => (i % 10 === 0 ? 30 : 18));
  h.resize(25);
  expect(h.length).toBe(25);
  expect(h.offsetOf(0)).toBe(0);
  expect(h.offsetOf(1)).toBe(30);
  expect(h.offsetOf(11)).toBe(30 + 9 * 18 + 30);
  expect(h.total).toBe(3 * 30 + 22 * 18);
  expect(h.isMeasured(3)).toBe(false);
});

test("a measured row moves every row after it and no row before it", () => {
  const h = new RowHeights(() => 20);
  h.resize(100);
  expect(h.set(10, 75)).toBe(55);
  expect(h.set(10, 75)).toBe(0);
  expect(h.isMeasured(10)).toBe(true);
  expect(h.offsetOf(10)).toBe(200);
  expect(h.offsetOf(11)).toBe(275);
  expect(h.offsetOf(100)).toBe(2055);
  expect(h.set(500, 10)).toBe(0); // out of range: ignored
});

test("indexAt finds the row holding an offset, matching a linear scan", () => {
  const hs = Array.from({ length: 1000 }, (_, i) => 10 + ((i * 7919) % 53));
  const h = new RowHeights(() => 18);
  h.resize(hs.length);
  for (const [i, x] of hs.entries()) h.set(i, x);
  const o = offsets(hs);
  for (const i of [0, 1, 2, 499, 998, 999]) {
    expect(h.offsetOf(i)).toBe(o[i] as number);
    expect(h.indexAt(o[i] as number)).toBe(i); // a row's top belongs to it
    expect(h.indexAt((o[i] as number) + (hs[i] as number) - 0.5)).toBe(i); // …and its last pixel
  }
  for (let y = -5; y < h.total + 50; y += 97) expect(h.indexAt(y)).toBe(slowIndexAt(hs, y));
  expect(h.indexAt(h.total + 1000)).toBe(999);
});

test("rows of zero height never hide the row that holds an offset", () => {
  const h = new RowHeights(() => 0);
  h.resize(5);
  h.set(2, 40);
  expect(h.indexAt(0)).toBe(0);
  expect(h.indexAt(10)).toBe(2);
  expect(h.indexAt(39)).toBe(2);
});

test("growing keeps measured heights; re-estimating changes only rows not measured", () => {
  const h = new RowHeights(() => 18);
  h.resize(3);
  h.set(1, 50);
  h.resize(200); // past the first capacity
  expect(h.height(1)).toBe(50);
  expect(h.height(150)).toBe(18);
  expect(h.total).toBe(50 + 199 * 18);
  h.reestimate(() => 20);
  expect(h.height(1)).toBe(50);
  expect(h.height(0)).toBe(20);
  expect(h.total).toBe(50 + 199 * 20);
  h.resize(2);
  expect(h.total).toBe(20 + 50);
  expect(new RowHeights(() => 1).indexAt(10)).toBe(0);
});

test("the visible range covers the viewport and its overscan, and is never empty", () => {
  const h = new RowHeights(() => 20);
  h.resize(1000);
  expect(visibleRange(h, 0, 400, 0)).toEqual({ start: 0, end: 21 });
  expect(visibleRange(h, 1000, 1400, 100)).toEqual({ start: 45, end: 76 });
  expect(visibleRange(h, 1e9, 1e9 + 400, 100)).toEqual({ start: 999, end: 1000 });
  expect(visibleRange(new RowHeights(() => 20), 0, 400, 100)).toEqual({ start: 0, end: 0 });
});

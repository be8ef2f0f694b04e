import { expect, test } from "bun:test";
import { cosine, reciprocalRankFusion, vectorOf } from "./hybrid.ts";
import { nearestIn, VectorCache } from "./vector-cache.ts";

test("RRF ranks what both lists hold first, then by rank; one list alone keeps its order", () => {
  expect(
    reciprocalRankFusion([
      [1, 2, 3],
      [3, 4, 1],
    ]),
  ).toEqual([1, 3, 2, 4]);
  expect(reciprocalRankFusion([[7, 8, 9], []])).toEqual([7, 8, 9]);
  expect(reciprocalRankFusion([[], [5]])).toEqual([5]);
});

test("cosine and nearest over Float32 BLOB bytes, unaligned ones too", () => {
  const a = Float32Array.from([1, 0, 0]);
  const blob = (xs: number[]) => new Uint8Array(Float32Array.from(xs).buffer);
  const unaligned = new Uint8Array(13).subarray(1);
  unaligned.set(blob([0.9, 0.1, 0]));
  expect(cosine(a, vectorOf(unaligned))).toBeCloseTo(0.9939, 3);
  expect(cosine(a, Float32Array.from([0, 0]))).toBe(0);
  const candidates = [
    { seq: 1, vec: blob([0, 1, 0]) },
    { seq: 2, vec: blob([1, 1, 0]) },
    { seq: 3, vec: unaligned },
    { seq: 4, vec: blob([-1, 0, 0]) },
  ];
  const cache = new VectorCache(100);
  let loads = 0;
  const load = () => {
    loads++;
    return candidates;
  };
  const held = cache.get("k", 1, load);
  expect(nearestIn(held, a, 2)).toEqual([3, 2]);
  // Orthogonal and opposite vectors are no match at all.
  expect(nearestIn(held, a, 10)).toEqual([3, 2]);
  expect(nearestIn(held, Float32Array.from([1, 0]), 10)).toEqual([]);
  // Held until the version moves; a scope over the float budget is never held.
  cache.get("k", 1, load);
  expect(loads).toBe(1);
  cache.get("k", 2, load);
  expect(loads).toBe(2);
  const small = new VectorCache(6);
  small.get("k", 1, load);
  small.get("k", 1, load);
  expect(loads).toBe(4);
});

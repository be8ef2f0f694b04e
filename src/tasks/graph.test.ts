import { expect, test } from "bun:test";
import { checkGraph, readyNums } from "./graph.ts";

const rows = [
  { num: 1, status: "done", parent: null },
  { num: 2, status: "open", parent: 1 },
  { num: 3, status: "open", parent: 2 },
  { num: 4, status: "cancelled", parent: null },
];

test("ready: open tasks whose dependencies are all done (cancelled is not done)", () => {
  expect([
    ...readyNums(rows, [
      { num: 2, depends_on: 1 },
      { num: 3, depends_on: 2 },
    ]),
  ]).toEqual([2]);
  expect([...readyNums(rows, [{ num: 2, depends_on: 4 }])]).toEqual([3]);
});

test("unknown, self and circular parents or dependencies are refused", () => {
  const deps = [{ num: 3, depends_on: 2 }];
  expect(checkGraph(rows, deps, 5, 3, [1, 2]).ok).toBe(true);
  expect(checkGraph(rows, deps, 5, 9, [])).toMatchObject({
    ok: false,
    error: { message: "parent: no task T-9" },
  });
  expect(checkGraph(rows, deps, 5, null, [5])).toMatchObject({
    ok: false,
    error: { code: "validation_failed" },
  });
  // 2 → 3 → 2
  expect(checkGraph(rows, deps, 2, null, [3])).toMatchObject({
    ok: false,
    error: { message: "depends_on: that would make a dependency circle" },
  });
  // 1 under 3, which is under 2, which is under 1
  expect(checkGraph(rows, deps, 1, 3, [])).toMatchObject({ ok: false, error: { code: "validation_failed" } });
});

import { expect, test } from "bun:test";
import { added, emptyHistory, fitInto, redo, undo } from "./annotation-history.ts";

test("undo takes the last shape off, redo puts it back, a new shape forgets what was undone", () => {
  let h = added(added(emptyHistory<string>(), "a"), "b");
  const u = undo(h);
  expect(u.shape).toBe("b");
  expect(u.history.shapes).toEqual(["a"]);
  const r = redo(u.history);
  expect(r.shape).toBe("b");
  expect(r.history.shapes).toEqual(["a", "b"]);
  h = added(undo(r.history).history, "c");
  expect(h).toEqual({ shapes: ["a", "c"], undone: [] });
  expect(redo(h).shape).toBeNull();
  expect(undo(emptyHistory()).shape).toBeNull();
});

test("a picture is fitted into the room without enlarging it", () => {
  expect(fitInto(2000, 1000, 1000, 800)).toEqual({ width: 1000, height: 500, scale: 0.5 });
  expect(fitInto(200, 100, 1000, 800)).toEqual({ width: 200, height: 100, scale: 1 });
});

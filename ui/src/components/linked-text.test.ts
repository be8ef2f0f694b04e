import { describe, expect, test } from "bun:test";
import { linkedParts } from "./linked-text.ts";

describe("linkedParts", () => {
  test("a page named in parentheses becomes a link; the rest stays text", () => {
    expect(linkedParts("An admin can add one in Admin → Models (/admin/models).")).toEqual([
      { text: "An admin can add one in Admin → Models " },
      { path: "/admin/models" },
      { text: "." },
    ]);
  });

  test("text without a page, and parentheses that are not a path, are left alone", () => {
    expect(linkedParts("plain (not a path) text")).toEqual([{ text: "plain (not a path) text" }]);
    expect(linkedParts("")).toEqual([]);
  });
});

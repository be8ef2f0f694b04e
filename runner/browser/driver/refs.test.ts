import { expect, test } from "bun:test";
import { RefTable, snapshotDiff } from "./refs.ts";

const first = `- heading "Form" [level=1] [ref=s1e3]
- textbox "Name" [ref=s1e6]
- button "Send" [ref=s1e7]
- button "Send" [ref=s1e8]`;

test("refs keep their number when the page changes around them", () => {
  const refs = new RefTable();
  expect(refs.render(first).text).toBe(`- heading "Form" [level=1] [@e1]
- textbox "Name" [@e2]
- button "Send" [@e3]
- button "Send" [@e4]`);
  expect(refs.selector("@e2")).toBe("aria-ref=s1e6");
  const second = `- text: Saved
- button "Send" [ref=s2e4]
- textbox "Name": alice [ref=s2e9]
- link "Home" [ref=s2e10]`;
  expect(refs.render(second).text).toBe(`- text: Saved
- button "Send" [@e3]
- textbox "Name": alice [@e2]
- link "Home" [@e5]`);
  expect(refs.selector("e2")).toBe("aria-ref=s2e9");
  expect(refs.selector("@e4")).toBeNull();
});

test("the diff lists removed then added lines and caps its length", () => {
  expect(snapshotDiff("a\nb\nc", "a\nc\nd")).toEqual(["- b", "+ d"]);
  const many = Array.from({ length: 40 }, (_, i) => `x${i}`).join("\n");
  const diff = snapshotDiff("", many, 5);
  expect(diff).toHaveLength(6);
  expect(diff[5]).toContain("35 more");
});

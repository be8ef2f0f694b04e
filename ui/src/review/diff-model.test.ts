import { expect, test } from "bun:test";
import { continueFrom, rowsHtml, sideBySide, splitHighlighted, unifiedRows } from "./diff-model.ts";

const diff = [
  "@@ -1,3 +1,4 @@",
  " one",
  "-two",
  "+TWO",
  "+2b",
  " three",
  "@@ -10,2 +11,2 @@",
  "-ten",
  "+TEN",
  " eleven",
];

test("unified rows number old and new lines and index hunks", () => {
  const rows = unifiedRows(diff);
  expect(rows.map((r) => r.kind)).toEqual([
    "hunk",
    "context",
    "del",
    "add",
    "add",
    "context",
    "hunk",
    "del",
    "add",
    "context",
  ]);
  expect(rows[2]).toMatchObject({ text: "two", oldNo: 2, newNo: null, hunk: 0 });
  expect(rows[4]).toMatchObject({ text: "2b", oldNo: null, newNo: 3 });
  expect(rows[5]).toMatchObject({ oldNo: 3, newNo: 4 });
  expect(rows[9]).toMatchObject({ text: "eleven", oldNo: 11, newNo: 12, hunk: 1 });
});

test("a second page continues the first page's numbering and hunk index", () => {
  const first = unifiedRows(diff.slice(0, 4));
  const second = unifiedRows(diff.slice(4), continueFrom(first));
  expect([...first, ...second]).toEqual(unifiedRows(diff));
});

test("side by side pairs a run of deletions with the additions after it", () => {
  const rows = sideBySide(unifiedRows(diff));
  expect(rows[0]?.header).toBe("@@ -1,3 +1,4 @@");
  expect(rows[2]).toMatchObject({
    left: { kind: "del", text: "two", no: 2 },
    right: { kind: "add", text: "TWO", no: 2 },
  });
  expect(rows[3]).toMatchObject({ left: null, right: { text: "2b", no: 3 } });
  expect(rows[4]?.left).toMatchObject({ kind: "context", no: 3 });
  expect(rows[4]?.right).toMatchObject({ kind: "context", no: 4 });
});

test("highlighted HTML is cut into well-formed lines, a span open across a break reopened", () => {
  const html = 'a <span class="c">/* one\ntwo */</span> b\nc';
  expect(splitHighlighted(html)).toEqual([
    'a <span class="c">/* one</span>',
    '<span class="c">two */</span> b',
    "c",
  ]);
});

test("row HTML comes from one highlight of each side, in row order", () => {
  const calls: string[] = [];
  const hl = (code: string) => {
    calls.push(code);
    return code.toUpperCase();
  };
  const html = rowsHtml(unifiedRows(diff), hl, (s) => `(${s})`);
  expect(calls).toEqual(["one\ntwo\nthree\nten\neleven", "one\nTWO\n2b\nthree\nTEN\neleven"]);
  expect(html).toEqual([
    "(@@ -1,3 +1,4 @@)",
    "ONE",
    "TWO",
    "TWO",
    "2B",
    "THREE",
    "(@@ -10,2 +11,2 @@)",
    "TEN",
    "TEN",
    "ELEVEN",
  ]);
});

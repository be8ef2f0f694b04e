import { expect, test } from "bun:test";
import { ftsQuery } from "./fts.ts";

test("words are quoted and OR-ed, stopwords dropped, the last word a prefix", () => {
  expect(ftsQuery("Where is the deploy key?")).toBe('"deploy" OR "key"');
  expect(ftsQuery("deploy ke")).toBe('"deploy" OR "ke"*');
  expect(ftsQuery("deploy ke ")).toBe('"deploy" OR "ke"');
});

test("FTS5 syntax in the input is only text; nothing searchable is null", () => {
  expect(ftsQuery('a" OR x NEAR(')).toBe('"x" OR "near"');
  expect(ftsQuery("  ?! ")).toBeNull();
  expect(ftsQuery("the")).toBe('"the"*');
});

import { describe, expect, test } from "bun:test";
import type { Stats } from "node:fs";
import { entryOf, etagOf } from "./entry.ts";

const stats = (over: Partial<Record<string, unknown>>) =>
  ({
    isFile: () => true,
    isDirectory: () => false,
    isSymbolicLink: () => false,
    size: 10,
    mtimeMs: 1_700_000_000_123.456,
    mode: 0o100644,
    ...over,
  }) as unknown as Stats;

describe("entryOf", () => {
  test("permission bits only, ms mtime, name from the path", () => {
    expect(entryOf("a/b.txt", stats({}))).toEqual({
      name: "b.txt",
      path: "a/b.txt",
      type: "file",
      size: 10,
      mtime: 1_700_000_000_123,
      mode: 0o644,
    });
  });
  test(".octo and below are read-only for the agent; look-alikes are not", () => {
    expect(entryOf(".octo", stats({})).agent_readonly).toBe(true);
    expect(entryOf(".octo/sandbox.toml", stats({})).agent_readonly).toBe(true);
    expect(entryOf(".octo-notes", stats({})).agent_readonly).toBeUndefined();
    expect(entryOf("sub/.octo", stats({})).agent_readonly).toBeUndefined();
  });
});

describe("etagOf", () => {
  test("changes with mtime, size and content hash", () => {
    const base = etagOf(stats({}), "aa".repeat(32));
    expect(base).toMatch(/^[0-9a-z]+-a-a{16}$/);
    expect(etagOf(stats({ mtimeMs: 1_700_000_000_124 }), "aa".repeat(32))).not.toBe(base);
    expect(etagOf(stats({ size: 11 }), "aa".repeat(32))).not.toBe(base);
    expect(etagOf(stats({}), "bb".repeat(32))).not.toBe(base);
  });
});

import { describe, expect, test } from "bun:test";
import {
  baseName,
  foldersToRefresh,
  formatSize,
  imageTypeOf,
  isWithin,
  joinPath,
  languageOf,
  nameProblem,
  parentOf,
  sortEntries,
} from "./paths.ts";

describe("paths", () => {
  test("parent, base name, join, within", () => {
    expect(parentOf("a/b/c.txt")).toBe("a/b");
    expect(parentOf("c.txt")).toBe("");
    expect(baseName("a/b/c.txt")).toBe("c.txt");
    expect(joinPath("", "x")).toBe("x");
    expect(joinPath("a", "x")).toBe("a/x");
    expect(isWithin("a/b", "a")).toBe(true);
    expect(isWithin("ab/c", "a")).toBe(false);
    expect(isWithin("a", "a")).toBe(true);
    expect(isWithin("anything", "")).toBe(true);
  });

  test("names people type are checked like server paths", () => {
    expect(nameProblem("notes.md")).toBeUndefined();
    expect(nameProblem("sub/notes.md")).toBeUndefined();
    expect(nameProblem("")).toBeDefined();
    expect(nameProblem(" x")).toBeDefined();
    expect(nameProblem("../x")).toContain("..");
    expect(nameProblem("a//b")).toBeDefined();
    expect(nameProblem("/etc")).toBeDefined();
    expect(nameProblem("a\u0000b")).toBeDefined();
  });

  test("which folders a change batch re-lists", () => {
    const loaded = ["", "src", "src/lib", "docs"];
    expect(foldersToRefresh([{ path: "src/a.ts", kind: "changed" }], false, loaded)).toEqual({
      reload: ["src"],
      drop: [],
    });
    expect(foldersToRefresh([{ path: "new.txt", kind: "created" }], false, loaded).reload).toEqual([""]);
    // A deleted folder is dropped with everything below it, and its parent re-listed.
    expect(foldersToRefresh([{ path: "src", kind: "deleted" }], false, loaded)).toEqual({
      reload: [""],
      drop: ["src", "src/lib"],
    });
    expect(foldersToRefresh([], true, loaded)).toEqual({ reload: loaded, drop: [] });
    expect(foldersToRefresh([{ path: "other/x", kind: "created" }], false, loaded).reload).toEqual([]);
  });

  test("folders first, natural order", () => {
    const sorted = sortEntries([
      { name: "file10", type: "file" },
      { name: "b", type: "dir" },
      { name: "file2", type: "file" },
      { name: "A", type: "dir" },
    ]);
    expect(sorted.map((e) => e.name)).toEqual(["A", "b", "file2", "file10"]);
  });

  test("languages, images, sizes", () => {
    expect(languageOf("x.ts")).toBe("typescript");
    expect(languageOf("README.md")).toBe("markdown");
    expect(languageOf("Dockerfile")).toBe("dockerfile");
    expect(languageOf(".bashrc")).toBeUndefined();
    expect(languageOf("notes")).toBeUndefined();
    expect(imageTypeOf("a.PNG")).toBe("image/png");
    expect(imageTypeOf("a.txt")).toBeUndefined();
    expect(formatSize(512)).toBe("512 B");
    expect(formatSize(1536)).toBe("1.5 KB");
    expect(formatSize(5 * 1024 * 1024)).toBe("5.0 MB");
  });
});

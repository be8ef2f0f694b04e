import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { listUiFiles } from "./static.ts";

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "octo-ui-"));
  mkdirSync(join(dir, "assets", "fonts"), { recursive: true });
  writeFileSync(join(dir, "index.html"), "<!doctype html>");
  writeFileSync(join(dir, "favicon.svg"), "<svg/>");
  mkdirSync(join(dir, ".vite"));
  writeFileSync(join(dir, ".vite", "manifest.json"), "{}");
  writeFileSync(join(dir, "assets", "index-AbC123.js"), "1");
  writeFileSync(join(dir, "assets", "fonts", "inter-x1.woff2"), "f");
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("listUiFiles", () => {
  test("maps every file to its URL path; directories and dot-folders are left out", () => {
    const files = listUiFiles(dir);
    expect([...files.keys()].sort()).toEqual([
      "/assets/fonts/inter-x1.woff2",
      "/assets/index-AbC123.js",
      "/favicon.svg",
      "/index.html",
    ]);
    expect(files.has("/assets")).toBe(false);
  });

  test("hashed assets are immutable, the rest revalidates", () => {
    const files = listUiFiles(dir);
    expect(files.get("/assets/index-AbC123.js")?.cacheControl).toBe("public, max-age=31536000, immutable");
    expect(files.get("/index.html")?.cacheControl).toBe("no-cache");
    expect(files.get("/favicon.svg")?.cacheControl).toBe("no-cache");
  });

  test("a missing UI directory is an empty map, not a crash", () => {
    expect(listUiFiles(join(dir, "nope")).size).toBe(0);
  });
});

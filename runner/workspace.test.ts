import { afterAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { confineProject } from "./workspace.ts";

const root = mkdtempSync("/tmp/octo-confine-");
const ws = join(root, "ws");
mkdirSync(join(ws, "proj", "sub"), { recursive: true });
mkdirSync(join(root, "outside"));
writeFileSync(join(ws, "file"), "x");
symlinkSync(join(root, "outside"), join(ws, "escape"));
symlinkSync(join(ws, "proj"), join(ws, "alias"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const code = (project: string) => {
  const r = confineProject(project, ws);
  return r.ok ? r.value : r.error.code;
};

test("a project resolves to its real path inside the workspace", () => {
  expect(code(join(ws, "proj"))).toBe(join(ws, "proj"));
  expect(code(join(ws, "proj", "sub"))).toBe(join(ws, "proj", "sub"));
  expect(code(join(ws, "alias"))).toBe(join(ws, "proj"));
});

test("the workspace itself, anything outside, and symlinks out are refused", () => {
  expect(code(ws)).toBe("path_outside_workspace");
  expect(code("/etc")).toBe("path_outside_workspace");
  expect(code(join(ws, "escape"))).toBe("path_outside_workspace");
  expect(code(`${ws}-sibling`)).toBe("path_outside_workspace");
  expect(code("/nonexistent/elsewhere")).toBe("path_outside_workspace");
});

test("missing and non-directory projects inside the workspace get their own codes", () => {
  expect(code(join(ws, "missing"))).toBe("not_found");
  expect(code(join(ws, "file"))).toBe("bad_request");
});

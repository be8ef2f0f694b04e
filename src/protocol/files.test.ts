import { describe, expect, test } from "bun:test";
import * as v from "valibot";
import {
  filesChangesEventSchema,
  filesCommandSchemas,
  MAX_PATH_BYTES,
  parseFileRequest,
  parseFilesCommand,
  relativePathProblem,
  toFileRequest,
} from "./files.ts";

const codeOf = (r: { ok: boolean; error?: { code: string } }) => (r.ok ? "ok" : r.error?.code);

describe("relativePathProblem", () => {
  const good = ["", "a", "a/b.txt", ".octo/sandbox.toml", "héllo wörld/ünï.md", "a..b", "...", "x\\y"];
  for (const p of good)
    test(`accepts ${JSON.stringify(p)}`, () => expect(relativePathProblem(p)).toBeUndefined());

  const bad: [string, RegExp][] = [
    ["..", /\.\./],
    ["../etc/passwd", /\.\./],
    ["a/../../b", /\.\./],
    ["a/./b", /\./],
    [".", /\./],
    ["/etc/passwd", /relative/],
    ["a//b", /empty segment/],
    ["a/", /empty segment/],
    ["a\0b", /NUL/],
    ["a\nb", /control/],
    ["a\u007fb", /control/],
    ["\u001b[31m", /control/],
    ["x".repeat(256), /segment is longer/],
    [`${"abcdefg/".repeat(MAX_PATH_BYTES / 8)}x`, /longer than/],
    [Array(65).fill("d").join("/"), /deeper/],
  ];
  for (const [p, why] of bad) {
    test(`refuses ${JSON.stringify(p.slice(0, 40))}`, () => expect(relativePathProblem(p)).toMatch(why));
  }
  test("counts bytes, not characters", () => {
    expect(relativePathProblem("é".repeat(127))).toBeUndefined();
    expect(relativePathProblem("é".repeat(128))).toMatch(/longer/);
  });
});

describe("parseFileRequest", () => {
  test("decodes a list and fills defaults", () => {
    const r = parseFileRequest({ op: "fs.read", project: "demo", path: "a.txt" });
    expect(r).toEqual({
      ok: true,
      value: { op: "fs.read", project: "demo", path: "a.txt", as: "auto", max_bytes: 2097152 },
    });
  });
  test.each([
    [null, "bad_request"],
    [{ op: "fs.nope" }, "unknown_command"],
    [{ op: "fs.list", project: "demo" }, "validation_failed"],
    [{ op: "fs.list", project: "..", path: "" }, "validation_failed"],
    [{ op: "fs.list", project: ".hidden", path: "" }, "validation_failed"],
    [{ op: "fs.list", project: "a/b/c", path: "" }, "validation_failed"],
    [{ op: "fs.list", project: "a/..", path: "" }, "validation_failed"],
    [{ op: "fs.list", project: "../a", path: "" }, "validation_failed"],
    [{ op: "fs.list", project: "demo", path: "../x" }, "validation_failed"],
    [{ op: "fs.list", project: "demo", path: "", extra: 1 }, "validation_failed"],
    [{ op: "fs.read", project: "demo", path: "" }, "validation_failed"],
    [{ op: "fs.read", project: "demo", path: "a", max_bytes: 10 * 1024 * 1024 }, "validation_failed"],
    [{ op: "fs.write", project: "demo", path: "a", content: "x", if_match: "nope" }, "validation_failed"],
    [{ op: "fs.write", project: "demo", path: "a", content: "x", mode: 0o4755 }, "validation_failed"],
    [{ op: "fs.delete", project: "demo", path: "" }, "validation_failed"],
    [{ op: "fs.move", project: "demo", from: "a", to: "/tmp/a" }, "validation_failed"],
    [{ op: "fs.upload_chunk", upload: "fsu_x", offset: 0, data: "" }, "validation_failed"],
    [{ op: "fs.upload_chunk", upload: `fsu_${"0".repeat(24)}`, offset: -1, data: "" }, "validation_failed"],
    [
      { op: "fs.upload_chunk", upload: `fsu_${"0".repeat(24)}`, offset: 0, data: "not base64!" },
      "validation_failed",
    ],
    [{ op: "fs.download_read", download: `fsd_${"0".repeat(24)}`, max_bytes: 0 }, "validation_failed"],
    [{ op: "fs.create_project", slug: "demo", files: { "../x": "" } }, "validation_failed"],
    [{ op: "fs.create_project", slug: "demo", files: { "a\0": "" } }, "validation_failed"],
  ])("refuses %j with %s", (raw, code) => {
    const r = parseFileRequest(raw);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe(code as never);
  });
  test("names the field in the message", () => {
    const r = parseFileRequest({ op: "fs.list", project: "demo", path: "a/../b" });
    expect(!r.ok && r.error.message).toMatch(/^fs\.list: path: /);
  });
});

describe("mux files channel", () => {
  const prj = `prj_${"0".repeat(28)}`;
  test("commands carry a project id, never a folder or absolute path", () => {
    expect(v.is(filesCommandSchemas.read, { cmd: "read", project_id: prj, path: "a.md" })).toBe(true);
    expect(
      v.is(filesCommandSchemas.read, { cmd: "read", project_id: prj, project: "demo", path: "a.md" }),
    ).toBe(false);
    expect(v.is(filesCommandSchemas.list, { cmd: "list", project_id: "demo", path: "" })).toBe(false);
    expect(
      v.is(filesCommandSchemas.write, { cmd: "write", project_id: prj, path: "/etc/x", content: "" }),
    ).toBe(false);
  });
  test("a frame body decodes and maps onto the runner op with the project's folder", () => {
    const decoded = parseFilesCommand("write", {
      project_id: prj,
      path: "a.md",
      content: "x",
      if_match: null,
    });
    expect(decoded.ok).toBe(true);
    if (!decoded.ok) return;
    expect(toFileRequest(decoded.value, "demo")).toEqual({
      op: "fs.write",
      project: "demo",
      path: "a.md",
      content: "x",
      encoding: "utf8",
      if_match: null,
      create_parents: false,
    });
    const req = toFileRequest(decoded.value, "demo");
    expect(parseFileRequest(req).ok).toBe(true);
    expect(codeOf(parseFilesCommand("chmod", { project_id: prj }))).toBe("unknown_command");
    expect(codeOf(parseFilesCommand("read", { project_id: prj, path: "../x" }))).toBe("validation_failed");
    expect(codeOf(parseFilesCommand("read", { project_id: prj, path: "a", project: "other" }))).toBe(
      "validation_failed",
    );
  });

  test("change events validate", () => {
    const ev = {
      ch: "files",
      event: "changes",
      project_id: prj,
      changes: [{ path: "a", kind: "created" }],
      overflow: false,
    };
    expect(v.is(filesChangesEventSchema, ev)).toBe(true);
    expect(v.is(filesChangesEventSchema, { ...ev, changes: [{ path: "a", kind: "renamed" }] })).toBe(false);
  });
});

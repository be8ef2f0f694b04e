import { afterAll, beforeAll, expect, test } from "bun:test";
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { newId } from "../../src/protocol/ids.ts";
import { ReviewRoute } from "../review-route.ts";
import { storeFor } from "./store.ts";

let root: string;
let ws: string;
let proj: string;
const session = newId("ses");

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "octo-review-"));
  process.env.XDG_STATE_HOME = join(root, "state");
  ws = join(root, "ws");
  proj = join(ws, "p1");
  mkdirSync(join(proj, "src"), { recursive: true });
  writeFileSync(join(proj, "keep.txt"), "keep\n");
  writeFileSync(join(proj, "change.txt"), "one\ntwo\nthree\n");
  writeFileSync(join(proj, "gone.txt"), "delete me\n");
  writeFileSync(join(proj, "src", "old.ts"), "export const x = 1;\n");
  writeFileSync(join(proj, "bin.dat"), Buffer.from([0, 1, 2, 3, 255]));
  symlinkSync("/etc/hostname", join(proj, "outside"));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const call = (op: string, params: Record<string, unknown>) =>
  ReviewRoute.handle(ws, { op, project: "p1", ...params });

test("a turn's adds, changes, deletes and renames are listed and restored, and the restore undone", async () => {
  await storeFor(proj).take("turn", { session, client_id: "c1" });
  writeFileSync(join(proj, "change.txt"), "one\nTWO\nthree\nfour\n");
  unlinkSync(join(proj, "gone.txt"));
  renameSync(join(proj, "src", "old.ts"), join(proj, "src", "new.ts"));
  writeFileSync(join(proj, "added.txt"), "new\n");
  writeFileSync(join(proj, "bin.dat"), Buffer.from([9, 0, 9]));
  unlinkSync(join(proj, "outside"));
  symlinkSync("/etc/passwd", join(proj, "outside"));
  const changes = await call("review.changes", { base: { kind: "session", session } });
  expect(changes.ok).toBe(true);
  const files = (changes as { value: { files: { path: string; status: string; binary: boolean }[] } }).value
    .files;
  const byPath = Object.fromEntries(files.map((f) => [f.path, f]));
  expect(byPath["added.txt"]?.status).toBe("added");
  expect(byPath["change.txt"]?.status).toBe("modified");
  expect(byPath["gone.txt"]?.status).toBe("deleted");
  expect(byPath["src/new.ts"]?.status).toBe("renamed");
  expect(byPath["bin.dat"]?.binary).toBe(true);
  expect(byPath.outside?.status).toBe("modified");

  const preview = await call("review.restore", {
    target: { kind: "message", session, client_id: "c1" },
    preview: true,
  });
  expect(preview.ok).toBe(true);
  expect(readFileSync(join(proj, "change.txt"), "utf8")).toContain("TWO");

  const r = await call("review.restore", { target: { kind: "message", session, client_id: "c1" } });
  expect(r.ok).toBe(true);
  expect(readFileSync(join(proj, "change.txt"), "utf8")).toBe("one\ntwo\nthree\n");
  expect(readFileSync(join(proj, "gone.txt"), "utf8")).toBe("delete me\n");
  expect(existsSync(join(proj, "src", "new.ts"))).toBe(false);
  expect(readFileSync(join(proj, "src", "old.ts"), "utf8")).toBe("export const x = 1;\n");
  expect(existsSync(join(proj, "added.txt"))).toBe(false);
  expect([...readFileSync(join(proj, "bin.dat"))]).toEqual([0, 1, 2, 3, 255]);
  expect(lstatSync(join(proj, "outside")).isSymbolicLink()).toBe(true);
  expect(readlinkSync(join(proj, "outside"))).toBe("/etc/hostname");
  expect(existsSync(join(proj, ".octo", ".restore"))).toBe(true); // staging folder stays, empty
  const undoId = (r as { value: { checkpoint: { id: string } } }).value.checkpoint.id;
  const undo = await call("review.restore", { target: { kind: "checkpoint", id: undoId } });
  expect(undo.ok).toBe(true);
  expect(readFileSync(join(proj, "change.txt"), "utf8")).toContain("TWO");
  expect(readlinkSync(join(proj, "outside"))).toBe("/etc/passwd");
  expect(existsSync(join(proj, "gone.txt"))).toBe(false);
});

test("discard one hunk reverses only that hunk", async () => {
  const lines = Array.from({ length: 40 }, (_, i) => `line ${i}`);
  writeFileSync(join(proj, "long.txt"), `${lines.join("\n")}\n`);
  await storeFor(proj).take("turn", { session, client_id: "c2" });
  const edited = [...lines];
  edited[2] = "CHANGED 2";
  edited[35] = "CHANGED 35";
  writeFileSync(join(proj, "long.txt"), `${edited.join("\n")}\n`);
  const base = { kind: "turn", session, client_id: "c2" };
  const d = await call("review.diff", { base, path: "long.txt" });
  const diffLines = (d as { value: { lines: string[] } }).value.lines;
  const headers = diffLines.filter((l) => l.startsWith("@@"));
  expect(headers.length).toBe(2);
  const r = await call("review.discard", { base, path: "long.txt", hunk: { index: 1, header: headers[1] } });
  expect(r.ok).toBe(true);
  const now = readFileSync(join(proj, "long.txt"), "utf8");
  expect(now).toContain("CHANGED 2");
  expect(now).not.toContain("CHANGED 35");
  const stale = await call("review.discard", {
    base,
    path: "long.txt",
    hunk: { index: 0, header: "@@ -1 +1 @@" },
  });
  expect(stale.ok).toBe(false);
});

test("a git project's changes are against HEAD, untracked files included; a hunk and a file are discarded", async () => {
  const repo = join(ws, "g1");
  mkdirSync(repo, { recursive: true });
  const lines = Array.from({ length: 30 }, (_, i) => `row ${i}`);
  writeFileSync(join(repo, "tracked.txt"), `${lines.join("\n")}\n`);
  const git = (...args: string[]) =>
    Bun.spawnSync(["git", "-c", "user.name=t", "-c", "user.email=t@t", ...args], { cwd: repo });
  git("init", "-q");
  git("add", "-A");
  git("commit", "-qm", "init");
  const edited = [...lines];
  edited[1] = "ROW 1";
  edited[25] = "ROW 25";
  writeFileSync(join(repo, "tracked.txt"), `${edited.join("\n")}\n`);
  writeFileSync(join(repo, "untracked.txt"), "new\n");
  const gcall = (op: string, params: Record<string, unknown>) =>
    ReviewRoute.handle(ws, { op, project: "g1", profile: "minimal", base: { kind: "project" }, ...params });
  // git on the project's own repository runs in its sandbox: the profile is required.
  const bare = await ReviewRoute.handle(ws, {
    op: "review.changes",
    project: "g1",
    base: { kind: "project" },
  });
  expect(bare.ok ? "" : bare.error.code).toBe("validation_failed");
  const changes = await gcall("review.changes", {});
  expect(changes.ok).toBe(true);
  const value = (changes as { value: { git?: boolean; files: { path: string; status: string }[] } }).value;
  expect(value.git).toBe(true);
  expect(value.files.map((f) => [f.path, f.status])).toEqual([
    ["tracked.txt", "modified"],
    ["untracked.txt", "added"],
  ]);
  const diff = await gcall("review.diff", { path: "tracked.txt" });
  const headers = (diff as { value: { lines: string[] } }).value.lines.filter((l) => l.startsWith("@@"));
  expect(headers).toHaveLength(2);
  const hunk = await gcall("review.discard", { path: "tracked.txt", hunk: { index: 0, header: headers[0] } });
  expect(hunk.ok).toBe(true);
  const now = readFileSync(join(repo, "tracked.txt"), "utf8");
  expect(now).toContain("row 1\n");
  expect(now).toContain("ROW 25");
  expect((await gcall("review.discard", { path: "untracked.txt" })).ok).toBe(true);
  expect(existsSync(join(repo, "untracked.txt"))).toBe(false);
  expect((await gcall("review.discard", { path: "tracked.txt" })).ok).toBe(true);
  expect(readFileSync(join(repo, "tracked.txt"), "utf8")).toBe(`${lines.join("\n")}\n`);
});

import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import {
  chmodSync,
  existsSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import {
  deletePath,
  listDir,
  makeDir,
  movePath,
  readFile,
  statPath,
  writeFile,
} from "../../runner/fs/index.ts";
import { bytes, codeOf, makeWorkspace, must, type Sandbox } from "./harness.ts";

let ws: Sandbox;
beforeEach(() => {
  ws = makeWorkspace();
});
afterEach(() => ws.cleanup());

describe("read", () => {
  test("text as utf8, binary as base64, with an etag", async () => {
    ws.put("t.md", "héllo\n");
    ws.put("b.bin", new Uint8Array([0, 1, 2, 255]));
    const t = must(await readFile(ws.at("t.md")));
    expect(t).toMatchObject({
      name: "t.md",
      path: "t.md",
      type: "file",
      encoding: "utf8",
      content: "héllo\n",
      size: 7,
    });
    expect(t.etag).toMatch(/^[0-9a-z]+-7-[0-9a-f]{16}$/);
    const b = must(await readFile(ws.at("b.bin")));
    expect(b.encoding).toBe("base64");
    expect(Buffer.from(b.content, "base64")).toEqual(Buffer.from([0, 1, 2, 255]));
    expect(must(await readFile(ws.at("t.md"), { as: "base64" })).encoding).toBe("base64");
  });

  test("invalid UTF-8 is binary", async () => {
    ws.put("latin1.txt", new Uint8Array([0x63, 0x61, 0x66, 0xe9]));
    expect(must(await readFile(ws.at("latin1.txt"))).encoding).toBe("base64");
  });

  test("size cap, folders and missing files", async () => {
    ws.put("big.txt", "x".repeat(1000));
    expect(codeOf(await readFile(ws.at("big.txt"), { maxBytes: 999 }))).toBe("payload_too_large");
    expect(must(await readFile(ws.at("big.txt"), { maxBytes: 1000 })).size).toBe(1000);
    ws.put("d/x", "x");
    expect(codeOf(await readFile(ws.at("d")))).toBe("wrong_type");
    expect(codeOf(await readFile(ws.at("")))).toBe("wrong_type");
    expect(codeOf(await readFile(ws.at("nope.txt")))).toBe("not_found");
    expect(codeOf(await readFile(ws.at("d/x/y")))).toBe("wrong_type");
  });

  test("the etag changes with the content even when size and mtime do not", async () => {
    const file = ws.put("same.txt", "aaaa");
    const first = must(await readFile(ws.at("same.txt")));
    expect(must(await readFile(ws.at("same.txt"))).etag).toBe(first.etag);
    const { atime, mtime } = statSync(file);
    writeFileSync(file, "bbbb");
    utimesSync(file, atime, mtime);
    expect(must(await readFile(ws.at("same.txt"))).etag).not.toBe(first.etag);
  });
});

describe("write", () => {
  test("creates, replaces, and reports the etag a later read sees", async () => {
    const w = must(await writeFile(ws.at("new.txt"), bytes("one")));
    expect(w).toMatchObject({ type: "file", size: 3, mode: 0o644 });
    expect(must(await readFile(ws.at("new.txt"))).etag).toBe(w.etag);
    must(await writeFile(ws.at("new.txt"), bytes("two")));
    expect(readFileSync(join(ws.project, "new.txt"), "utf8")).toBe("two");
  });

  test("conflict detection with if_match", async () => {
    ws.put("c.txt", "v1");
    const read = must(await readFile(ws.at("c.txt")));
    const saved = must(await writeFile(ws.at("c.txt"), bytes("v2 by user"), { ifMatch: read.etag }));
    writeFileSync(join(ws.project, "c.txt"), "v3 by agent");
    const stale = await writeFile(ws.at("c.txt"), bytes("v4 by user"), { ifMatch: saved.etag });
    expect(codeOf(stale)).toBe("conflict");
    const now = must(await readFile(ws.at("c.txt")));
    expect(!stale.ok && stale.error.message).toContain(now.etag);
    expect(now.content).toBe("v3 by agent");
    must(await writeFile(ws.at("c.txt"), bytes("v5"), { ifMatch: now.etag }));
  });

  test("if_match null means create-only; a deleted file is a conflict", async () => {
    must(await writeFile(ws.at("fresh.txt"), bytes("a"), { ifMatch: null }));
    expect(codeOf(await writeFile(ws.at("fresh.txt"), bytes("b"), { ifMatch: null }))).toBe("conflict");
    const etag = must(await readFile(ws.at("fresh.txt"))).etag;
    must(await deletePath(ws.at("fresh.txt")));
    expect(codeOf(await writeFile(ws.at("fresh.txt"), bytes("c"), { ifMatch: etag }))).toBe("conflict");
    expect(existsSync(join(ws.project, "fresh.txt"))).toBe(false);
  });

  test("atomic: a concurrent reader sees the old or the new content, never a mix; mode is kept", async () => {
    const size = 1024 * 1024;
    const [aaa, bbb] = ["a".repeat(size), "b".repeat(size)];
    const file = ws.put("atomic.bin", aaa);
    chmodSync(file, 0o600);
    let reads = 0;
    let bad = 0;
    let writing = true;
    const reader = (async () => {
      while (writing) {
        const s = readFileSync(file, "latin1");
        reads++;
        if (s !== aaa && s !== bbb) bad++;
        await new Promise((r) => setImmediate(r));
      }
    })();
    const replaced: boolean[] = [];
    for (let i = 0; i < 10; i++) {
      const ino = statSync(file).ino;
      must(await writeFile(ws.at("atomic.bin"), bytes(i % 2 ? aaa : bbb)));
      // A new inode each time (renamed into place, not rewritten); compared with the one just
      // replaced, since an inode number freed earlier may be handed out again.
      replaced.push(statSync(file).ino !== ino);
    }
    writing = false;
    await reader;
    // The reader really ran while writes were in flight, not only before or after them.
    expect({ readsDuringWrites: reads > 10, bad, replaced }).toEqual({
      readsDuringWrites: true,
      bad: 0,
      replaced: Array(10).fill(true),
    });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(ws.project).filter((n) => n.startsWith(".octo-tmp-"))).toEqual([]);
  });

  test("parents only on request; never onto a folder; new file mode on request", async () => {
    expect(codeOf(await writeFile(ws.at("a/b/c.txt"), bytes("x")))).toBe("not_found");
    must(await writeFile(ws.at("a/b/c.txt"), bytes("x"), { createParents: true, mode: 0o600 }));
    expect(statSync(join(ws.project, "a/b/c.txt")).mode & 0o777).toBe(0o600);
    expect(codeOf(await writeFile(ws.at("a/b"), bytes("x")))).toBe("wrong_type");
    expect(codeOf(await writeFile(ws.at("a/b/c.txt/d"), bytes("x"), { createParents: true }))).toBe(
      "wrong_type",
    );
    expect(codeOf(await writeFile(ws.at(""), bytes("x")))).toBe("wrong_type");
  });

  test(".octo is writable here and flagged read-only for the agent", async () => {
    must(await writeFile(ws.at(".octo/sandbox.toml"), bytes("[network]\n"), { createParents: true }));
    expect(must(await statPath(ws.at(".octo")))).toMatchObject({ type: "dir", agent_readonly: true });
    expect(must(await statPath(ws.at(".octo/sandbox.toml"))).agent_readonly).toBe(true);
    ws.put(".octopus", "");
    expect(must(await statPath(ws.at(".octopus"))).agent_readonly).toBeUndefined();
  });
});

describe("list and stat", () => {
  test("one level, sorted, hidden files included, with types and modes", async () => {
    ws.put(".env", "X=1");
    ws.put("b.txt", "bb");
    ws.put("a/deep/x.txt", "x");
    symlinkSync("b.txt", join(ws.project, "link"));
    const listing = must(await listDir(ws.at("")));
    expect(listing.truncated).toBe(false);
    expect(listing.entries.map((e) => [e.name, e.type])).toEqual([
      [".env", "file"],
      ["a", "dir"],
      ["b.txt", "file"],
      ["link", "symlink"],
    ]);
    expect(listing.entries.find((e) => e.name === "b.txt")).toMatchObject({
      path: "b.txt",
      size: 2,
      mode: 0o644,
    });
    expect(must(await listDir(ws.at("a"))).entries.map((e) => e.path)).toEqual(["a/deep"]);
    expect(codeOf(await listDir(ws.at("b.txt")))).toBe("wrong_type");
    expect(codeOf(await listDir(ws.at("missing")))).toBe("not_found");
  });

  test("a limit truncates", async () => {
    for (let i = 0; i < 10; i++) ws.put(`f${i}`, "");
    const listing = must(await listDir(ws.at(""), 4));
    expect(listing.entries.map((e) => e.name)).toEqual(["f0", "f1", "f2", "f3"]);
    expect(listing.truncated).toBe(true);
  });

  test("stat of the project folder", async () => {
    expect(must(await statPath(ws.at("")))).toMatchObject({ name: "", path: "", type: "dir" });
  });
});

describe("mkdir, move, delete", () => {
  test("mkdir", async () => {
    expect(codeOf(await makeDir(ws.at("x/y")))).toBe("not_found");
    expect(must(await makeDir(ws.at("x/y"), { parents: true }))).toMatchObject({ path: "x/y", type: "dir" });
    expect(codeOf(await makeDir(ws.at("x/y")))).toBe("already_exists");
    expect(codeOf(await makeDir(ws.at("")))).toBe("already_exists");
  });

  test("move refuses to overwrite unless asked, and stays in the project", async () => {
    ws.put("a.txt", "a");
    ws.put("b.txt", "b");
    expect(codeOf(await movePath(ws.root, "p", "a.txt", "b.txt"))).toBe("already_exists");
    must(await movePath(ws.root, "p", "a.txt", "b.txt", { overwrite: true }));
    expect(readFileSync(join(ws.project, "b.txt"), "utf8")).toBe("a");
    ws.put("dir/inner.txt", "i");
    expect(must(await movePath(ws.root, "p", "dir", "renamed"))).toMatchObject({
      path: "renamed",
      type: "dir",
    });
    expect(codeOf(await movePath(ws.root, "p", "renamed", "renamed/sub"))).toBe("validation_failed");
    expect(codeOf(await movePath(ws.root, "p", "missing", "x"))).toBe("not_found");
    expect(codeOf(await movePath(ws.root, "p", "b.txt", "no/such/dir/b.txt"))).toBe("not_found");
    expect(codeOf(await movePath(ws.root, "p", "", "x"))).toBe("validation_failed");
  });

  test("moving a link moves the link", async () => {
    symlinkSync(ws.outside, join(ws.project, "out"));
    must(await movePath(ws.root, "p", "out", "out2"));
    expect(readlinkSync(join(ws.project, "out2"))).toBe(ws.outside);
  });

  test("delete", async () => {
    ws.put("d/x.txt", "x");
    expect(codeOf(await deletePath(ws.at("d")))).toBe("not_empty");
    must(await deletePath(ws.at("d/x.txt")));
    must(await deletePath(ws.at("d")));
    ws.put("t/a/b/c.txt", "c");
    must(await deletePath(ws.at("t"), { recursive: true }));
    expect(existsSync(join(ws.project, "t"))).toBe(false);
    expect(codeOf(await deletePath(ws.at("t")))).toBe("not_found");
    expect(codeOf(await deletePath(ws.at("")))).toBe("validation_failed");
  });
});

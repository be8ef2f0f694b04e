import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { locate, openProject, release } from "../../runner/fs/confine.ts";
import {
  deletePath,
  FileService,
  listDir,
  makeDir,
  movePath,
  openDownload,
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

describe("lexical escapes are refused by every op", () => {
  const bad = [
    "../other/secret.txt",
    "/etc/passwd",
    "a/../../other",
    "a\0b",
    "a\nb",
    "a//b",
    `${"x".repeat(300)}`,
  ];
  for (const path of bad) {
    test(JSON.stringify(path.slice(0, 30)), async () => {
      expect(codeOf(await readFile(ws.at(path)))).toBe("validation_failed");
      expect(codeOf(await writeFile(ws.at(path), bytes("x"), { createParents: true }))).toBe(
        "validation_failed",
      );
      expect(codeOf(await listDir(ws.at(path)))).toBe("validation_failed");
      expect(codeOf(await statPath(ws.at(path)))).toBe("validation_failed");
      expect(codeOf(await deletePath(ws.at(path), { recursive: true }))).toBe("validation_failed");
      expect(codeOf(await makeDir(ws.at(path), { parents: true }))).toBe("validation_failed");
      expect(codeOf(await movePath(ws.root, "p", "a", path))).not.toBe("ok");
    });
  }
  test("bad project folder names", async () => {
    for (const project of ["..", ".", "", "a/b/c", "a/..", "../a", ".hidden", "p\0"]) {
      expect(codeOf(await listDir({ root: ws.root, project, path: "" }))).toBe("validation_failed");
    }
    expect(codeOf(await listDir({ root: ws.root, project: "missing", path: "" }))).toBe("not_found");
    expect(codeOf(await listDir({ root: join(ws.base, "nope"), project: "p", path: "" }))).toBe("not_found");
  });

  test("an owner's folder (owner/project) that is a symlink out of the workspace is refused", async () => {
    const outside = join(ws.base, "outside");
    mkdirSync(join(outside, "p"), { recursive: true });
    symlinkSync(outside, join(ws.root, "evil"));
    expect(codeOf(await listDir({ root: ws.root, project: "evil/p", path: "" }))).toBe(
      "path_outside_workspace",
    );
    mkdirSync(join(ws.root, "alice", "p"), { recursive: true });
    expect((await listDir({ root: ws.root, project: "alice/p", path: "" })).ok).toBe(true);
  });
});

describe("symlinks", () => {
  test("to /etc: shown as a link, never read, listed or written through", async () => {
    symlinkSync("/etc", join(ws.project, "etc"));
    expect(must(await statPath(ws.at("etc")))).toMatchObject({
      type: "symlink",
      link: { target: "/etc", inside: false },
    });
    expect(codeOf(await readFile(ws.at("etc/passwd")))).toBe("path_outside_workspace");
    expect(codeOf(await listDir(ws.at("etc")))).toBe("path_outside_workspace");
    expect(codeOf(await writeFile(ws.at("etc/octo-evil"), bytes("x")))).toBe("path_outside_workspace");
    expect(codeOf(await makeDir(ws.at("etc/octo-evil")))).toBe("path_outside_workspace");
    expect(existsSync("/etc/octo-evil")).toBe(false);
  });

  test("to a sibling project (relative) is outside", async () => {
    symlinkSync("../other", join(ws.project, "sib"));
    expect(codeOf(await readFile(ws.at("sib/secret.txt")))).toBe("path_outside_workspace");
    expect(codeOf(await writeFile(ws.at("sib/x"), bytes("x")))).toBe("path_outside_workspace");
    expect(codeOf(await deletePath(ws.at("sib/secret.txt")))).toBe("path_outside_workspace");
    expect(codeOf(await movePath(ws.root, "p", "sib/secret.txt", "stolen.txt"))).toBe(
      "path_outside_workspace",
    );
    expect(readFileSync(join(ws.root, "other", "secret.txt"), "utf8")).toBe("sibling secret");
    expect(existsSync(join(ws.root, "other", "x"))).toBe(false);
  });

  test("a chain of links that ends outside is outside", async () => {
    symlinkSync(ws.outside, join(ws.project, "b"));
    symlinkSync("b", join(ws.project, "a"));
    expect(must(await statPath(ws.at("a"))).link).toEqual({ target: "b", inside: false });
    expect(codeOf(await readFile(ws.at("a/secret.txt")))).toBe("path_outside_workspace");
  });

  test("a final link to an outside file is not read, and writes replace nothing behind it", async () => {
    symlinkSync(join(ws.outside, "secret.txt"), join(ws.project, "s.txt"));
    expect(codeOf(await readFile(ws.at("s.txt")))).toBe("path_outside_workspace");
    expect(codeOf(await writeFile(ws.at("s.txt"), bytes("pwned")))).toBe("wrong_type");
    expect(codeOf(await openDownload(ws.at("s.txt")))).toBe("path_outside_workspace");
    expect(readFileSync(join(ws.outside, "secret.txt"), "utf8")).toBe("outside secret");
  });

  test("links inside the project are followed for reads and folders, never for a final write", async () => {
    ws.put("real/a.txt", "inside");
    symlinkSync("real", join(ws.project, "alias"));
    symlinkSync("real/a.txt", join(ws.project, "a-link.txt"));
    expect(must(await statPath(ws.at("alias"))).link).toEqual({ target: "real", inside: true });
    expect(must(await readFile(ws.at("alias/a.txt"))).content).toBe("inside");
    expect(must(await readFile(ws.at("a-link.txt"))).content).toBe("inside");
    expect(must(await listDir(ws.at("alias"))).entries.map((e) => e.name)).toEqual(["a.txt"]);
    must(await writeFile(ws.at("alias/b.txt"), bytes("through a parent link")));
    expect(readFileSync(join(ws.project, "real", "b.txt"), "utf8")).toBe("through a parent link");
    expect(codeOf(await writeFile(ws.at("a-link.txt"), bytes("no")))).toBe("wrong_type");
  });

  test("a dangling link reads as not found and deletes as a link", async () => {
    symlinkSync("nowhere", join(ws.project, "dangling"));
    expect(codeOf(await readFile(ws.at("dangling")))).toBe("not_found");
    expect(must(await statPath(ws.at("dangling"))).link).toEqual({ target: "nowhere", inside: true });
    must(await deletePath(ws.at("dangling")));
    expect(existsSync(join(ws.project, "dangling"))).toBe(false);
  });

  test("deleting a link to a folder removes the link only, even recursively", async () => {
    symlinkSync(ws.outside, join(ws.project, "out"));
    ws.put("tree/inner/x.txt", "x");
    symlinkSync(ws.outside, join(ws.project, "tree", "inner", "out"));
    must(await deletePath(ws.at("out"), { recursive: true }));
    must(await deletePath(ws.at("tree"), { recursive: true }));
    expect(existsSync(join(ws.project, "tree"))).toBe(false);
    expect(readFileSync(join(ws.outside, "secret.txt"), "utf8")).toBe("outside secret");
  });

  test("a project folder that is itself a symlink is refused", async () => {
    symlinkSync(ws.outside, join(ws.root, "linked"));
    expect(codeOf(await listDir({ root: ws.root, project: "linked", path: "" }))).toBe(
      "path_outside_workspace",
    );
    symlinkSync("p", join(ws.root, "alias"));
    expect(codeOf(await readFile({ root: ws.root, project: "alias", path: "x" }))).toBe(
      "path_outside_workspace",
    );
  });

  test("a FIFO planted in the project does not hang a read", async () => {
    execFileSync("mkfifo", [join(ws.project, "pipe")]);
    expect(codeOf(await readFile(ws.at("pipe")))).toBe("wrong_type");
    expect(must(await statPath(ws.at("pipe"))).type).toBe("other");
  });

  test("downloading a FIFO says it is a named pipe, not that it is not a folder", async () => {
    execFileSync("mkfifo", [join(ws.project, "pipe")]);
    const r = await openDownload(ws.at("pipe"));
    expect(codeOf(r)).toBe("wrong_type");
    const message = r.ok ? "" : r.error.message;
    expect(message).toBe("pipe is a named pipe (FIFO), not a regular file");
  });
});

describe("a folder swapped for a symlink after it was resolved", () => {
  test("the held folder descriptor keeps writes where they were checked", async () => {
    ws.put("sub/keep.txt", "k");
    const project = must(await openProject(ws.root, "p"));
    try {
      const at = must(await locate(project, "sub/new.txt"));
      renameSync(join(ws.project, "sub"), join(ws.project, "sub-moved"));
      symlinkSync(ws.outside, join(ws.project, "sub"));
      writeFileSync(at.path, "landed");
      await release(at);
    } finally {
      await project.fd.close();
    }
    expect(existsSync(join(ws.outside, "new.txt"))).toBe(false);
    expect(readFileSync(join(ws.project, "sub-moved", "new.txt"), "utf8")).toBe("landed");
  });

  test("an upload whose folder is swapped mid-way commits inside the project", async () => {
    mkdirSync(join(ws.project, "up"));
    const svc = new FileService({ root: ws.root, onEvent: () => {} });
    try {
      const { upload } = must(
        await svc.handle({
          op: "fs.upload_begin",
          project: "p",
          path: "up/f.bin",
          overwrite: false,
          create_parents: false,
        }),
      ) as { upload: string };
      renameSync(join(ws.project, "up"), join(ws.project, "up-moved"));
      symlinkSync(ws.outside, join(ws.project, "up"));
      must(
        await svc.handle({
          op: "fs.upload_chunk",
          upload,
          offset: 0,
          data: Buffer.from("data").toString("base64"),
        }),
      );
      must(await svc.handle({ op: "fs.upload_commit", upload }));
    } finally {
      await svc.close();
    }
    expect(existsSync(join(ws.outside, "f.bin"))).toBe(false);
    expect(readFileSync(join(ws.project, "up-moved", "f.bin"), "utf8")).toBe("data");
  });

  test("a zip whose subfolder becomes a link before it is read leaves the link out", async () => {
    ws.put("z/inner/a.txt", "a");
    const d = must(await openDownload(ws.at("z")));
    renameSync(join(ws.project, "z", "inner"), join(ws.project, "inner-moved"));
    symlinkSync(ws.outside, join(ws.project, "z", "inner"));
    const parts: Uint8Array[] = [];
    for await (const c of d.chunks) parts.push(c);
    const zip = Buffer.concat(parts);
    expect(zip.includes("outside secret")).toBe(false);
    expect(zip.includes("secret.txt")).toBe(false);
  });
});

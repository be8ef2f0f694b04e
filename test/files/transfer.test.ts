import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { FileService } from "../../runner/fs/index.ts";
import type { Result } from "../../src/protocol/errors.ts";
import { type FileOpResult, MAX_CHUNK_BYTES, parseFileRequest } from "../../src/protocol/files.ts";
import { codeOf, makeWorkspace, must, type Sandbox } from "./harness.ts";

let ws: Sandbox;
let svc: FileService;
beforeEach(() => {
  ws = makeWorkspace();
  svc = new FileService({ root: ws.root, onEvent: () => {} });
});
afterEach(async () => {
  await svc.close();
  ws.cleanup();
});

/** Through the wire decoder, as the runner will call it. */
async function call(raw: Record<string, unknown>): Promise<Result<unknown>> {
  const req = parseFileRequest(raw);
  return req.ok ? svc.handle(req.value) : req;
}
const b64 = (b: Uint8Array) => Buffer.from(b).toString("base64");
const tempFiles = (dir: string) => readdirSync(dir).filter((n) => n.startsWith(".octo-tmp-"));

function pseudoRandom(size: number, seed = 1): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

async function upload(path: string, data: Uint8Array, extra: Record<string, unknown> = {}) {
  const begun = await call({ op: "fs.upload_begin", project: "p", path, size: data.length, ...extra });
  if (!begun.ok) return begun;
  const { upload: id } = begun.value as FileOpResult<"fs.upload_begin">;
  for (let off = 0; off < data.length; off += MAX_CHUNK_BYTES) {
    const chunk = data.subarray(off, off + MAX_CHUNK_BYTES);
    must(await call({ op: "fs.upload_chunk", upload: id, offset: off, data: b64(chunk) }));
  }
  return call({ op: "fs.upload_commit", upload: id });
}

async function download(path: string): Promise<{ head: FileOpResult<"fs.download_open">; body: Buffer }> {
  const head = must(
    await call({ op: "fs.download_open", project: "p", path }),
  ) as FileOpResult<"fs.download_open">;
  const parts: Buffer[] = [];
  for (;;) {
    const r = must(
      await call({ op: "fs.download_read", download: head.download }),
    ) as FileOpResult<"fs.download_read">;
    parts.push(Buffer.from(r.data, "base64"));
    if (r.eof) break;
  }
  return { head, body: Buffer.concat(parts) };
}

describe("upload", () => {
  test("an 8 MB file in 1 MB chunks arrives intact, with a matching etag", async () => {
    const data = pseudoRandom(8 * 1024 * 1024 + 123);
    const done = must(await upload("in/big.bin", data)) as FileOpResult<"fs.upload_commit">;
    expect(done).toMatchObject({ path: "in/big.bin", size: data.length, mode: 0o644 });
    expect(Buffer.compare(readFileSync(join(ws.project, "in/big.bin")), Buffer.from(data))).toBe(0);
    const { head, body } = await download("in/big.bin");
    expect(head).toMatchObject({ kind: "file", name: "big.bin", size: data.length });
    expect(Buffer.compare(body, Buffer.from(data))).toBe(0);
    expect(tempFiles(join(ws.project, "in"))).toEqual([]);
  });

  test("a retried or reordered chunk is refused, not doubled", async () => {
    const { upload: id } = must(await call({ op: "fs.upload_begin", project: "p", path: "r.txt" })) as {
      upload: string;
    };
    must(await call({ op: "fs.upload_chunk", upload: id, offset: 0, data: b64(Buffer.from("abc")) }));
    expect(
      codeOf(await call({ op: "fs.upload_chunk", upload: id, offset: 0, data: b64(Buffer.from("abc")) })),
    ).toBe("conflict");
    expect(
      codeOf(await call({ op: "fs.upload_chunk", upload: id, offset: 9, data: b64(Buffer.from("x")) })),
    ).toBe("conflict");
    must(await call({ op: "fs.upload_chunk", upload: id, offset: 3, data: b64(Buffer.from("def")) }));
    must(await call({ op: "fs.upload_commit", upload: id }));
    expect(readFileSync(join(ws.project, "r.txt"), "utf8")).toBe("abcdef");
    expect(codeOf(await call({ op: "fs.upload_commit", upload: id }))).toBe("not_found");
  });

  test("declared size is enforced both ways; abort leaves nothing behind", async () => {
    const short = must(await call({ op: "fs.upload_begin", project: "p", path: "s.bin", size: 4 })) as {
      upload: string;
    };
    must(
      await call({ op: "fs.upload_chunk", upload: short.upload, offset: 0, data: b64(Buffer.from("ab")) }),
    );
    expect(codeOf(await call({ op: "fs.upload_commit", upload: short.upload }))).toBe("validation_failed");
    const long = must(await call({ op: "fs.upload_begin", project: "p", path: "l.bin", size: 2 })) as {
      upload: string;
    };
    expect(
      codeOf(
        await call({ op: "fs.upload_chunk", upload: long.upload, offset: 0, data: b64(Buffer.from("abc")) }),
      ),
    ).toBe("payload_too_large");
    const aborted = must(await call({ op: "fs.upload_begin", project: "p", path: "a.bin" })) as {
      upload: string;
    };
    must(
      await call({ op: "fs.upload_chunk", upload: aborted.upload, offset: 0, data: b64(Buffer.from("zz")) }),
    );
    must(await call({ op: "fs.upload_abort", upload: aborted.upload }));
    expect(readdirSync(ws.project)).toEqual([]);
  });

  test("no overwrite unless asked; never onto a folder or through a link; bad ids", async () => {
    ws.put("exists.txt", "old");
    chmodSync(join(ws.project, "exists.txt"), 0o600);
    expect(codeOf(await upload("exists.txt", Buffer.from("new")))).toBe("already_exists");
    must(await upload("exists.txt", Buffer.from("new"), { overwrite: true }));
    expect(readFileSync(join(ws.project, "exists.txt"), "utf8")).toBe("new");
    expect(statSync(join(ws.project, "exists.txt")).mode & 0o777).toBe(0o600);
    mkdirSync(join(ws.project, "folder"));
    expect(codeOf(await upload("folder", Buffer.from("x"), { overwrite: true }))).toBe("wrong_type");
    symlinkSync(ws.outside, join(ws.project, "out"));
    expect(codeOf(await upload("out/x.bin", Buffer.from("x")))).toBe("path_outside_workspace");
    expect(existsSync(join(ws.outside, "x.bin"))).toBe(false);
    const unknown = `fsu_${"0".repeat(24)}`;
    expect(codeOf(await call({ op: "fs.upload_chunk", upload: unknown, offset: 0, data: "" }))).toBe(
      "not_found",
    );
    expect(codeOf(await call({ op: "fs.upload_chunk", upload: unknown, offset: 0, data: "@@" }))).toBe(
      "validation_failed",
    );
  });

  test("closing the service aborts open uploads and removes their temp files", async () => {
    must(await call({ op: "fs.upload_begin", project: "p", path: "pending.bin" }));
    expect(tempFiles(ws.project)).toHaveLength(1);
    await svc.close();
    expect(tempFiles(ws.project)).toEqual([]);
  });
});

test("inline writes are capped in bytes, not characters", async () => {
  const threeBytes = "€".repeat(800_000); // 800k chars, 2.4 MB of UTF-8
  expect(codeOf(await call({ op: "fs.write", project: "p", path: "big.txt", content: threeBytes }))).toBe(
    "payload_too_large",
  );
  expect(existsSync(join(ws.project, "big.txt"))).toBe(false);
});

describe("download", () => {
  test("a folder as a zip that unpacks to the same tree (modes kept, links left out)", async () => {
    ws.put("src/main.ts", "console.log('hi');\n".repeat(1000));
    ws.put("src/deep/er/data.json", JSON.stringify({ a: 1 }));
    ws.put("img/pic.png", pseudoRandom(300_000, 7));
    ws.put("empty.txt", "");
    mkdirSync(join(ws.project, "emptydir"));
    chmodSync(ws.put("run.sh", "#!/bin/sh\necho hi\n"), 0o755);
    symlinkSync(ws.outside, join(ws.project, "out"));
    symlinkSync("src/main.ts", join(ws.project, "inner-link"));
    const { head, body } = await download("");
    expect(head).toMatchObject({ kind: "zip", name: "p.zip", size: null });
    const zipFile = join(ws.base, "p.zip");
    await Bun.write(zipFile, body);
    const unpacked = join(ws.base, "unpacked");
    execFileSync("unzip", ["-q", zipFile, "-d", unpacked]);
    const tree = (dir: string): string[] =>
      execFileSync("find", [".", "-printf", "%y %m %s %p\\n"], { cwd: dir, encoding: "utf8" })
        .split("\n")
        .filter((l) => l && !l.endsWith(" ."))
        .map((l) => (l.startsWith("d") ? l.replace(/^d (\d+) \d+/, "d $1 -") : l))
        .sort();
    const expected = tree(ws.project).filter((l) => !l.startsWith("l "));
    expect(tree(unpacked)).toEqual(expected);
    for (const f of ["src/main.ts", "src/deep/er/data.json", "img/pic.png", "run.sh"]) {
      expect(Buffer.compare(readFileSync(join(unpacked, f)), readFileSync(join(ws.project, f)))).toBe(0);
    }
    expect(existsSync(join(unpacked, "out"))).toBe(false);
    expect(body.includes("outside secret")).toBe(false);
  });

  test("a subfolder zips under its own name; missing and outside paths fail before any byte", async () => {
    ws.put("docs/a.md", "a");
    expect((await download("docs")).head).toMatchObject({ kind: "zip", name: "docs.zip" });
    expect(codeOf(await call({ op: "fs.download_open", project: "p", path: "nope" }))).toBe("not_found");
    symlinkSync(ws.outside, join(ws.project, "out"));
    expect(codeOf(await call({ op: "fs.download_open", project: "p", path: "out" }))).toBe(
      "path_outside_workspace",
    );
  });

  test("reads honour max_bytes; a closed download is gone", async () => {
    ws.put("f.txt", "0123456789");
    const head = must(await call({ op: "fs.download_open", project: "p", path: "f.txt" })) as {
      download: string;
    };
    const r1 = must(await call({ op: "fs.download_read", download: head.download, max_bytes: 4 })) as {
      data: string;
      eof: boolean;
    };
    expect([Buffer.from(r1.data, "base64").toString(), r1.eof]).toEqual(["0123", false]);
    must(await call({ op: "fs.download_close", download: head.download }));
    expect(codeOf(await call({ op: "fs.download_read", download: head.download }))).toBe("not_found");
  });
});

describe("create_project and remove_project", () => {
  test("template files with private modes; refuses to overwrite; removes completely", async () => {
    const files = {
      "AGENTS.md": "# Agent\n",
      ".octo/project.toml": 'profile = "default"\n',
      ".pi/skills/x/SKILL.md": "s",
    };
    expect(must(await call({ op: "fs.create_project", slug: "demo", files }))).toEqual({
      slug: "demo",
      files: 3,
    });
    const dir = join(ws.root, "demo");
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, ".pi/skills")).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, "AGENTS.md")).mode & 0o777).toBe(0o644);
    expect(readFileSync(join(dir, ".octo/project.toml"), "utf8")).toBe(files[".octo/project.toml"]);
    expect(codeOf(await call({ op: "fs.create_project", slug: "demo", files: {} }))).toBe("already_exists");
    expect(readdirSync(ws.root).filter((n) => n.startsWith("."))).toEqual([]);
    symlinkSync(ws.outside, join(dir, "out"));
    must(await call({ op: "fs.remove_project", slug: "demo" }));
    expect(existsSync(dir)).toBe(false);
    expect(readFileSync(join(ws.outside, "secret.txt"), "utf8")).toBe("outside secret");
    expect(codeOf(await call({ op: "fs.remove_project", slug: "demo" }))).toBe("not_found");
  });

  test("a bad template path fails whole, leaving nothing", async () => {
    const r = await call({
      op: "fs.create_project",
      slug: "half",
      files: { "ok.md": "", "ok.md/under-a-file": "" },
    });
    expect(codeOf(r)).toBe("wrong_type");
    expect(readdirSync(ws.root).sort()).toEqual(["other", "p"]);
  });

  test("creates a missing workspace", async () => {
    const fresh = new FileService({ root: join(ws.base, "new-ws"), onEvent: () => {} });
    try {
      must(await fresh.handle({ op: "fs.create_project", slug: "first", files: { "a.md": "a" } }));
      expect(statSync(join(ws.base, "new-ws")).mode & 0o777).toBe(0o700);
    } finally {
      await fresh.close();
    }
  });
});

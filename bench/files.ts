#!/usr/bin/env bun
/**
 * Project file operations (runner/fs), on the real filesystem under /tmp:
 *   - list of a 5,000-entry folder (one level, lstat of every entry);
 *   - read and atomic write (temp + fsync + rename) of a 1 MB file, and the same through the
 *     FileService wire path (base64 in the result/params, as the runner would carry it);
 *   - chunked upload of 64 MB in 1 MB base64 chunks;
 *   - zip of a 50 MB tree (text and incompressible files) at deflate levels 0 (store), 1 and 6,
 *     pulled 1 MB at a time through `fs.download_read`.
 * Run: `bun bench/files.ts [rounds]`. Prints numbers; asserts nothing.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { FileService, listDir, openDownload, readFile, writeFile } from "../runner/fs/index.ts";

const ROUNDS = Number(process.argv[2] ?? 20);
const base = mkdtempSync("/tmp/octo-bench-files-");
const root = join(base, "ws");
const project = join(root, "p");
mkdirSync(project, { recursive: true });
const at = (path: string) => ({ root, project: "p", path });

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const ms = (x: number) => `${x.toFixed(2)} ms`;
async function time(rounds: number, fn: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t = performance.now();
    await fn();
    out.push(performance.now() - t);
  }
  return out;
}
function must<T>(r: { ok: true; value: T } | { ok: false; error: { message: string } }): T {
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}
function pseudoRandom(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

try {
  // ---- list
  mkdirSync(join(project, "many"));
  for (let i = 0; i < 5000; i++) writeFileSync(join(project, "many", `file-${i}.txt`), "x");
  const lists = await time(ROUNDS, async () => must(await listDir(at("many"))));
  console.log(`list 5,000 entries      median ${ms(median(lists))}  min ${ms(Math.min(...lists))}`);

  // ---- read / write 1 MB
  const mb = new TextEncoder()
    .encode("const answer = 42; // some source text\n".repeat(26_215))
    .subarray(0, 1 << 20);
  must(await writeFile(at("one.txt"), mb));
  const reads = await time(ROUNDS, async () => must(await readFile(at("one.txt"))));
  const writes = await time(ROUNDS, async () => must(await writeFile(at("one.txt"), mb)));
  let etag = must(await readFile(at("one.txt"))).etag;
  const guarded = await time(ROUNDS, async () => {
    etag = must(await writeFile(at("one.txt"), mb, { ifMatch: etag })).etag;
  });
  console.log(`read 1 MB               median ${ms(median(reads))}`);
  console.log(`write 1 MB (atomic)     median ${ms(median(writes))}`);
  console.log(`write 1 MB + if_match   median ${ms(median(guarded))}`);

  const svc = new FileService({ root, onEvent: () => {} });
  const text = new TextDecoder().decode(mb);
  const wireReads = await time(ROUNDS, async () =>
    JSON.stringify(
      must(
        await svc.handle({ op: "fs.read", project: "p", path: "one.txt", as: "auto", max_bytes: 2 << 20 }),
      ),
    ),
  );
  const wireWrites = await time(ROUNDS, async () =>
    must(
      await svc.handle({
        op: "fs.write",
        project: "p",
        path: "one.txt",
        content: text,
        encoding: "utf8",
        create_parents: false,
      }),
    ),
  );
  console.log(`fs.read 1 MB + JSON     median ${ms(median(wireReads))}`);
  console.log(`fs.write 1 MB (utf8)    median ${ms(median(wireWrites))}`);

  // ---- chunked upload
  const chunk = Buffer.from(pseudoRandom(1 << 20, 3)).toString("base64");
  const up = await time(3, async () => {
    const { upload } = must(
      await svc.handle({
        op: "fs.upload_begin",
        project: "p",
        path: "up.bin",
        overwrite: true,
        create_parents: true,
      }),
    ) as { upload: string };
    for (let i = 0; i < 64; i++) {
      must(await svc.handle({ op: "fs.upload_chunk", upload, offset: i << 20, data: chunk }));
    }
    must(await svc.handle({ op: "fs.upload_commit", upload }));
  });
  console.log(
    `upload 64 MB (1 MB b64) median ${ms(median(up))}  = ${(64 / (median(up) / 1000)).toFixed(0)} MB/s`,
  );

  // ---- zip of a 50 MB tree: 40 MB of source-like text in 800 files, 10 MB incompressible in 10
  const tree = join(project, "tree");
  const source = new TextEncoder().encode(
    Array.from({ length: 1200 }, (_, i) => `export function f${i}(x: number) { return x * ${i}; }\n`).join(
      "",
    ),
  );
  for (let d = 0; d < 20; d++) {
    mkdirSync(join(tree, `pkg-${d}`, "src"), { recursive: true });
    for (let f = 0; f < 40; f++)
      writeFileSync(join(tree, `pkg-${d}`, "src", `m${f}.ts`), source.subarray(0, 50_000));
  }
  mkdirSync(join(tree, "assets"));
  for (let i = 0; i < 10; i++)
    writeFileSync(join(tree, "assets", `blob-${i}.bin`), pseudoRandom(1 << 20, i + 10));

  for (const level of [0, 1, 6] as const) {
    let zipBytes = 0;
    const t = performance.now();
    const d = must(await openDownload(at("tree"), { level }));
    for await (const c of d.chunks) zipBytes += c.length;
    const took = performance.now() - t;
    console.log(
      `zip 50 MB tree level ${level}  ${ms(took)}  = ${(50 / (took / 1000)).toFixed(0)} MB/s in, ${(zipBytes / 1e6).toFixed(1)} MB out`,
    );
  }
  const head = must(await svc.handle({ op: "fs.download_open", project: "p", path: "tree" })) as {
    download: string;
  };
  const t = performance.now();
  for (;;) {
    const r = must(
      await svc.handle({ op: "fs.download_read", download: head.download, max_bytes: 1 << 20 }),
    ) as {
      eof: boolean;
    };
    if (r.eof) break;
  }
  const pulled = performance.now() - t;
  console.log(`fs.download_read zip    ${ms(pulled)} for 50 MB (default level 6, 1 MB base64 pulls)`);
  await svc.close();
} finally {
  rmSync(base, { recursive: true, force: true });
}

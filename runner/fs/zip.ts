import { constants as C, promises as fsp, type Stats } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { Zip, ZipDeflate, type ZipInputFile, ZipPassThrough } from "fflate";
import { fail, ok, type Result } from "../../src/protocol/errors.ts";
import { DIR_FLAGS, fdPath } from "./confine.ts";

/**
 * A folder as a streamed zip, built with fflate (small, dependency-free, streaming, well kept):
 * deflate for text-like files, stored as-is for formats that are compressed already.
 *
 * fflate writes no ZIP64 records, so a zip is refused up front (a cheap pre-scan) when it would
 * need them: more than 65,535 entries or a file of 4 GiB or more. Symlinks, sockets, FIFOs and
 * devices are left out; nothing is ever followed out of the folder.
 */

export const ZIP_MAX_ENTRIES = 65_535;
export const ZIP_MAX_FILE_BYTES = 0xffff_ffff - 1;
const MAX_DEPTH = 128;
const READ_CHUNK = 256 * 1024;
/** Already compressed: deflating them again costs CPU and saves nothing. */
const STORED =
  /\.(zip|gz|tgz|bz2|xz|zst|7z|rar|jpe?g|png|gif|webp|avif|heic|mp[34]|m4a|mov|mkv|webm|ogg|flac|pdf|woff2?|jar|apk|docx|xlsx|pptx)$/i;

export interface ZipOptions {
  /** 0 stores everything; 1-9 deflate levels. */
  level?: 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9;
  maxEntries?: number;
  maxTotalBytes?: number;
}

interface Item {
  rel: string;
  dir: FileHandle;
  name: string;
  st: Stats;
}

/** Depth-first walk through open descriptors, every folder opened O_NOFOLLOW from its parent. */
async function* walk(dir: FileHandle, prefix: string, depth = 0): AsyncGenerator<Item> {
  if (depth > MAX_DEPTH) return;
  const names = (await fsp.readdir(fdPath(dir.fd))).sort();
  for (const name of names) {
    const rel = prefix ? `${prefix}/${name}` : name;
    const st = await fsp.lstat(fdPath(dir.fd, name)).catch(() => null);
    if (!st) continue;
    if (st.isFile()) yield { rel, dir, name, st };
    else if (st.isDirectory()) {
      const child = await fsp.open(fdPath(dir.fd, name), DIR_FLAGS).catch(() => null);
      if (!child) continue;
      try {
        yield { rel, dir, name, st };
        yield* walk(child, rel, depth + 1);
      } finally {
        await child.close();
      }
    }
  }
}

/** Zip times are DOS dates, 1980-2107; fflate throws outside that. */
const DOS_MIN = Date.UTC(1980, 0, 2);
const DOS_MAX = Date.UTC(2099, 11, 31);
const dosRange = (ms: number) => Math.min(DOS_MAX, Math.max(DOS_MIN, ms));

/** Refuse what the zip format (without ZIP64) or the limits cannot carry, before any byte is sent. */
export async function checkZippable(dir: FileHandle, opts: ZipOptions = {}): Promise<Result<void>> {
  const maxEntries = opts.maxEntries ?? ZIP_MAX_ENTRIES;
  const maxTotal = opts.maxTotalBytes ?? 8 * 1024 ** 3;
  let entries = 0;
  let total = 0;
  for await (const item of walk(dir, "")) {
    entries++;
    total += item.st.isFile() ? item.st.size : 0;
    if (item.st.size > ZIP_MAX_FILE_BYTES)
      return fail("payload_too_large", `${item.rel} is too large to zip`);
    if (entries > maxEntries) return fail("payload_too_large", `more than ${maxEntries} entries to zip`);
    if (total > maxTotal) return fail("payload_too_large", `more than ${maxTotal} bytes to zip`);
  }
  return ok(undefined);
}

/** The zip's bytes, produced as the consumer pulls them: one file chunk is read per pull at most. */
export async function* zipFolder(dir: FileHandle, opts: ZipOptions = {}): AsyncGenerator<Uint8Array> {
  const level = opts.level ?? 6;
  const out: Uint8Array[] = [];
  let failure: Error | null = null;
  const zip = new Zip((err, data) => {
    if (err) failure = err;
    else if (data.length) out.push(data);
  });
  const drain = function* () {
    if (failure) throw failure;
    while (out.length) yield out.shift() as Uint8Array;
  };
  for await (const item of walk(dir, "")) {
    const isDir = item.st.isDirectory();
    const name = isDir ? `${item.rel}/` : item.rel;
    const entry: ZipInputFile & { push(chunk: Uint8Array, final?: boolean): void } =
      isDir || level === 0 || STORED.test(item.name)
        ? new ZipPassThrough(name)
        : new ZipDeflate(name, { level });
    entry.mtime = dosRange(item.st.mtimeMs);
    entry.os = 3; // unix: keep permission bits
    entry.attrs = ((isDir ? 0o040000 : 0o100000) | (item.st.mode & 0o777)) << 16;
    zip.add(entry);
    if (isDir) {
      entry.push(new Uint8Array(0), true);
      yield* drain();
      continue;
    }
    const fh = await fsp
      .open(fdPath(item.dir.fd, item.name), C.O_RDONLY | C.O_NOFOLLOW | C.O_NONBLOCK)
      .catch(() => null);
    if (!fh) {
      entry.push(new Uint8Array(0), true); // vanished since the walk: an empty entry keeps the zip valid
      yield* drain();
      continue;
    }
    try {
      for (;;) {
        // A fresh buffer each time: a stored entry hands our bytes on without copying them.
        const buf = new Uint8Array(READ_CHUNK);
        const { bytesRead } = await fh.read(buf, 0, buf.length, null);
        if (bytesRead === 0) break;
        entry.push(buf.subarray(0, bytesRead), false);
        yield* drain();
      }
      entry.push(new Uint8Array(0), true);
      yield* drain();
    } finally {
      await fh.close();
    }
  }
  zip.end();
  yield* drain();
}

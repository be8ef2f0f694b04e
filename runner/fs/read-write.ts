import { constants as C, promises as fsp, type Stats } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { fail, ok, type Result } from "../../src/protocol/errors.ts";
import { type Entry, MAX_INLINE_BYTES } from "../../src/protocol/files.ts";
import { type FileTarget, fdPath, type Located, openFileForRead, withTarget } from "./confine.ts";
import { entryOf, etagOf, etagOfOpenFile, sha256Hex } from "./entry.ts";
import { shown } from "./io-failure.ts";

export const NEW_FILE_MODE = 0o644;
export const NEW_DIR_MODE = 0o755;
/** Temp files start with this; watchers ignore them. */
export const TEMP_PREFIX = ".octo-tmp-";

export type FileContent = Entry & { etag: string; encoding: "utf8" | "base64"; content: string };
export type WrittenFile = Entry & { etag: string };

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** Text is valid UTF-8 without NUL; anything else travels as base64. */
function asText(bytes: Uint8Array): string | undefined {
  if (bytes.includes(0)) return undefined;
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

export interface ReadOptions {
  as?: "auto" | "base64";
  maxBytes?: number;
}

export function readFile(t: FileTarget, opts: ReadOptions = {}): Promise<Result<FileContent>> {
  const maxBytes = opts.maxBytes ?? MAX_INLINE_BYTES;
  return withTarget(t, {}, async (at) => {
    if (at.name === "") return fail("wrong_type", "the project folder is not a file");
    const opened = await openFileForRead(at);
    if (!opened.ok) return opened;
    const fh = opened.value;
    try {
      const st = await fh.stat();
      if (st.size > maxBytes) return tooLarge(at.rel, st.size, maxBytes);
      // Sized by the stat; a file that grew since is read again up to the cap rather than cut short.
      let bytes = await readUpTo(fh, Math.min(st.size, maxBytes) + 1);
      if (bytes.length > st.size) bytes = await readUpTo(fh, maxBytes + 1);
      if (bytes.length > maxBytes) return tooLarge(at.rel, bytes.length, maxBytes);
      const text = opts.as === "base64" ? undefined : asText(bytes);
      return ok({
        ...entryOf(at.rel, st),
        size: bytes.length,
        etag: etagOf(st, sha256Hex(bytes), bytes.length),
        encoding: text === undefined ? "base64" : "utf8",
        content: text ?? Buffer.from(bytes).toString("base64"),
      });
    } finally {
      await fh.close();
    }
  });
}

const tooLarge = (rel: string, size: number, max: number) =>
  fail("payload_too_large", `${rel} has ${size} bytes, more than ${max} can be opened inline: download it`);

async function readUpTo(fh: FileHandle, limit: number): Promise<Uint8Array> {
  const buf = Buffer.allocUnsafe(limit);
  let got = 0;
  while (got < limit) {
    const { bytesRead } = await fh.read(buf, got, limit - got, got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return buf.subarray(0, got);
}

export interface WriteOptions {
  /** The etag the client read; `null`: the file must not exist yet. A mismatch is `conflict`. */
  ifMatch?: string | null;
  createParents?: boolean;
  /** Mode of a new file (an existing file keeps its own). */
  mode?: number;
}

export function writeFile(
  t: FileTarget,
  content: Uint8Array,
  opts: WriteOptions = {},
): Promise<Result<WrittenFile>> {
  const locate = opts.createParents ? { createParents: NEW_DIR_MODE } : {};
  return withTarget(t, locate, async (at) => {
    if (at.name === "") return fail("wrong_type", "the project folder is not a file");
    const current = await fsp.lstat(at.path).catch(() => null);
    const refused = refuseNonFile(at.rel, current);
    if (refused) return refused;
    const checked = await checkPrecondition(at, current, opts.ifMatch);
    if (!checked.ok) return checked;
    const mode = current ? current.mode & 0o777 : (opts.mode ?? NEW_FILE_MODE);
    const temp = await createTemp(at.dir);
    let st: Stats;
    try {
      await temp.fh.writeFile(content);
      await temp.fh.chmod(mode);
      await temp.fh.sync();
      st = await temp.fh.stat();
    } catch (e) {
      await discardTemp(temp);
      throw e;
    } finally {
      await temp.fh.close();
    }
    const installed = await installTemp(at, temp.path, opts.ifMatch === null ? "create" : "replace");
    if (!installed.ok) {
      // Created by someone else between the check and now: the client's view is stale.
      return installed.error.code === "already_exists"
        ? fail("conflict", installed.error.message)
        : installed;
    }
    return ok({ ...entryOf(at.rel, st), etag: etagOf(st, sha256Hex(content)) });
  });
}

/** Writes never follow or replace a symlink, and never replace a folder. */
export function refuseNonFile(rel: string, current: Stats | null) {
  if (!current || current.isFile()) return undefined;
  if (current.isSymbolicLink())
    return fail("wrong_type", `${shown(rel)} is a symlink: writes do not follow links`);
  if (current.isDirectory()) return fail("wrong_type", `${shown(rel)} is a folder`);
  return fail("wrong_type", `${shown(rel)} is not a regular file`);
}

async function checkPrecondition(
  at: Located,
  current: Stats | null,
  ifMatch: string | null | undefined,
): Promise<Result<void>> {
  if (ifMatch === undefined) return ok(undefined);
  if (!current) {
    return ifMatch === null ? ok(undefined) : fail("conflict", `${at.rel} was deleted since it was read`);
  }
  const fh = await fsp.open(at.path, C.O_RDONLY | C.O_NOFOLLOW | C.O_NONBLOCK);
  let now: string;
  try {
    now = await etagOfOpenFile(fh);
  } finally {
    await fh.close();
  }
  if (ifMatch === null) return fail("conflict", `${at.rel} already exists (etag: ${now})`);
  if (now !== ifMatch) return fail("conflict", `${at.rel} changed since it was read (etag: ${now})`);
  return ok(undefined);
}

export interface Temp {
  readonly fh: FileHandle;
  /** Through the parent's descriptor, so it stays in that folder whatever happens to its path. */
  readonly path: string;
}

/** A fresh private temp file in the target's own folder, so the final rename is atomic. */
export async function createTemp(dir: FileHandle): Promise<Temp> {
  const name = `${TEMP_PREFIX}${Buffer.from(crypto.getRandomValues(new Uint8Array(8))).toString("hex")}`;
  const path = fdPath(dir.fd, name);
  const fh = await fsp.open(path, C.O_WRONLY | C.O_CREAT | C.O_EXCL | C.O_NOFOLLOW, 0o600);
  return { fh, path };
}

export const discardTemp = (temp: { path: string }) => fsp.unlink(temp.path).catch(() => undefined);

/**
 * Move a finished temp file into place. `create` uses link(2), which fails rather than replace
 * (atomic "must not exist"); `replace` uses rename(2), which replaces a file but never follows a link.
 */
export async function installTemp(
  at: Located,
  tempPath: string,
  how: "create" | "replace",
): Promise<Result<void>> {
  try {
    if (how === "create") {
      await fsp.link(tempPath, at.path);
      await fsp.unlink(tempPath);
    } else {
      await fsp.rename(tempPath, at.path);
    }
  } catch (e) {
    await discardTemp({ path: tempPath });
    if ((e as NodeJS.ErrnoException).code === "EEXIST")
      return fail("already_exists", `${at.rel} already exists`);
    throw e;
  }
  await at.dir.sync().catch(() => undefined);
  return ok(undefined);
}

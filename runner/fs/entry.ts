import { promises as fsp, type Stats } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import type { Entry } from "../../src/protocol/files.ts";
import { fdPath, isInside, type Project } from "./confine.ts";

const isAgentReadonly = (rel: string) => rel === ".octo" || rel.startsWith(".octo/");
const baseName = (rel: string) => rel.slice(rel.lastIndexOf("/") + 1);

export function typeOf(st: Stats): Entry["type"] {
  if (st.isFile()) return "file";
  if (st.isDirectory()) return "dir";
  if (st.isSymbolicLink()) return "symlink";
  return "other";
}

export function entryOf(rel: string, st: Stats, link?: Entry["link"]): Entry {
  const entry: Entry = {
    name: baseName(rel),
    path: rel,
    type: typeOf(st),
    size: st.size,
    mtime: Math.trunc(st.mtimeMs),
    mode: st.mode & 0o777,
  };
  if (link) entry.link = link;
  if (isAgentReadonly(rel)) entry.agent_readonly = true;
  return entry;
}

/**
 * The entry for `name` in the open folder `dir`, not following a final symlink. A symlink's target
 * text is shown, with whether it resolves inside the project (a dangling link is judged by its text).
 */
export async function entryAt(project: Project, dir: FileHandle, name: string, rel: string): Promise<Entry> {
  const path = fdPath(dir.fd, name);
  const st = await fsp.lstat(path);
  if (!st.isSymbolicLink()) return entryOf(rel, st);
  const target = await fsp.readlink(path);
  let real: string;
  try {
    real = await fsp.realpath(path);
  } catch {
    real = resolve(dirname(`${project.dir}/${rel}`), target);
  }
  return entryOf(rel, st, { target, inside: isInside(project, real) });
}

/** `<mtime µs>-<size>-<sha256 prefix>`: changes when the content does, even within one mtime tick. */
export function etagOf(st: Stats, hashHex: string, size = st.size): string {
  return `${Math.trunc(st.mtimeMs * 1000).toString(36)}-${size.toString(36)}-${hashHex.slice(0, 16)}`;
}

export const sha256Hex = (bytes: Uint8Array) => new Bun.CryptoHasher("sha256").update(bytes).digest("hex");

/** Etag of an open file, hashing it in chunks (it may be larger than anything held in memory). */
export async function etagOfOpenFile(fh: FileHandle): Promise<string> {
  const st = await fh.stat();
  const hasher = new Bun.CryptoHasher("sha256");
  const buf = Buffer.allocUnsafe(256 * 1024);
  let size = 0;
  for (;;) {
    const { bytesRead } = await fh.read(buf, 0, buf.length, size);
    if (bytesRead === 0) break;
    hasher.update(buf.subarray(0, bytesRead));
    size += bytesRead;
  }
  return etagOf(st, hasher.digest("hex"), size);
}

import { promises as fsp } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { fail, ok, type Result } from "../../src/protocol/errors.ts";
import { type Entry, MAX_LIST_ENTRIES } from "../../src/protocol/files.ts";
import {
  DIR_FLAGS,
  type FileTarget,
  fdPath,
  type Located,
  locate,
  openDirAt,
  release,
  withProject,
  withTarget,
} from "./confine.ts";
import { entryAt, entryOf } from "./entry.ts";
import { NEW_DIR_MODE } from "./read-write.ts";

export interface Listing {
  path: string;
  entries: Entry[];
  truncated: boolean;
}

const childRel = (rel: string, name: string) => (rel ? `${rel}/${name}` : name);

/** Open the folder `at` names (the project itself for `""`); a symlinked folder only inside the project. */
export async function openLocatedDir(at: Located): Promise<Result<FileHandle>> {
  if (at.name === "") return ok(at.project.fd);
  return openDirAt(at.project, at.dir, at.name, at.rel);
}

/** One level of a folder, sorted by name. Hidden files are included. */
export function listDir(t: FileTarget, limit = MAX_LIST_ENTRIES): Promise<Result<Listing>> {
  return withTarget(t, {}, async (at) => {
    const opened = await openLocatedDir(at);
    if (!opened.ok) return opened;
    const dir = opened.value;
    try {
      const names = (await fsp.readdir(fdPath(dir.fd))).sort();
      const shownNames = names.slice(0, limit);
      const entries: Entry[] = [];
      // Bounded parallelism: lstat is cheap but a 20,000-entry folder should not queue 20,000 at once.
      for (let i = 0; i < shownNames.length; i += 256) {
        const batch = shownNames.slice(i, i + 256).map((name) =>
          entryAt(at.project, dir, name, childRel(at.rel, name)).catch((e) => {
            if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined; // deleted meanwhile
            throw e;
          }),
        );
        for (const entry of await Promise.all(batch)) if (entry) entries.push(entry);
      }
      return ok({ path: at.rel, entries, truncated: names.length > limit });
    } finally {
      if (dir !== at.project.fd) await dir.close();
    }
  });
}

export function statPath(t: FileTarget): Promise<Result<Entry>> {
  return withTarget(t, {}, async (at) => {
    if (at.name === "") return ok(entryOf("", await at.project.fd.stat()));
    return ok(await entryAt(at.project, at.dir, at.name, at.rel));
  });
}

export function makeDir(t: FileTarget, opts: { parents?: boolean } = {}): Promise<Result<Entry>> {
  return withTarget(t, opts.parents ? { createParents: NEW_DIR_MODE } : {}, async (at) => {
    if (at.name === "") return fail("already_exists", "the project folder already exists");
    await fsp.mkdir(at.path, { mode: NEW_DIR_MODE });
    return ok(await entryAt(at.project, at.dir, at.name, at.rel));
  });
}

/**
 * Rename or move within one project. A symlink moves as a link. Without `overwrite` an existing
 * destination is refused (checked just before the rename: the kernel has no portable no-replace
 * rename for folders that Node exposes).
 */
export function movePath(
  root: string,
  project: string,
  from: string,
  to: string,
  opts: { overwrite?: boolean } = {},
): Promise<Result<Entry>> {
  return withProject(root, project, from, async (p) => {
    if (from === "" || to === "")
      return fail("validation_failed", "the project folder itself cannot be moved");
    const src = await locate(p, from);
    if (!src.ok) return src;
    try {
      const dst = await locate(p, to);
      if (!dst.ok) return dst;
      try {
        await fsp.lstat(src.value.path);
        const existing = await fsp.lstat(dst.value.path).catch(() => null);
        if (existing && !opts.overwrite) return fail("already_exists", `${to} already exists`);
        await fsp.rename(src.value.path, dst.value.path);
        return ok(await entryAt(p, dst.value.dir, dst.value.name, to));
      } finally {
        await release(dst.value);
      }
    } finally {
      await release(src.value);
    }
  });
}

/** Delete a file, a symlink (never its target), or a folder (`recursive` when it has contents). */
export function deletePath(t: FileTarget, opts: { recursive?: boolean } = {}): Promise<Result<void>> {
  return withTarget(t, {}, async (at) => {
    if (at.name === "") return fail("validation_failed", "delete the project through remove_project");
    const st = await fsp.lstat(at.path);
    if (!st.isDirectory()) await fsp.unlink(at.path);
    else if (opts.recursive) await removeTree(at.dir, at.name);
    else await fsp.rmdir(at.path);
    return ok(undefined);
  });
}

const MAX_TREE_DEPTH = 256;

/**
 * Remove `name` in `parent` and everything below it. Each folder is opened with O_NOFOLLOW and its
 * children unlinked through that descriptor, so swapping a folder for a symlink mid-way makes us
 * unlink the link, never descend into its target (the classic `rm -r` race).
 */
export async function removeTree(parent: FileHandle, name: string, depth = 0): Promise<void> {
  if (depth > MAX_TREE_DEPTH) throw Object.assign(new Error("tree too deep"), { code: "ELOOP" });
  const path = fdPath(parent.fd, name);
  let dir: FileHandle;
  try {
    dir = await fsp.open(path, DIR_FLAGS);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return;
    if (code === "ENOTDIR" || code === "ELOOP") return fsp.unlink(path);
    throw e;
  }
  try {
    for (const child of await fsp.readdir(fdPath(dir.fd), { withFileTypes: true })) {
      if (child.isDirectory()) await removeTree(dir, child.name, depth + 1);
      else await unlinkChild(dir, child.name, depth);
    }
  } finally {
    await dir.close();
  }
  await fsp.rmdir(path);
}

async function unlinkChild(dir: FileHandle, name: string, depth: number) {
  try {
    await fsp.unlink(fdPath(dir.fd, name));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return;
    // Became a folder since readdir.
    if (code === "EISDIR") return removeTree(dir, name, depth + 1);
    throw e;
  }
}

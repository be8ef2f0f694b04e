import { constants as C, promises as fsp } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { fail, ok, type Result } from "../../src/protocol/errors.ts";
import { PROJECT_FOLDER_PATTERN, relativePathProblem } from "../../src/protocol/files.ts";
import { ioFailure, shown } from "./io-failure.ts";

/**
 * Confinement of file operations to one project folder.
 *
 * Node has no openat(2)/RESOLVE_BENEATH, so every operation walks the path one segment at a time
 * from an open directory descriptor, naming children as `/proc/self/fd/<dirfd>/<name>`: the kernel
 * resolves that relative to the directory the descriptor holds, whatever happens to the path it
 * was opened by. Each segment is opened with O_NOFOLLOW; where a segment is a symlink, it is
 * followed only if the opened directory's real location (read back from /proc/self/fd) is inside
 * the project. Checking what was actually opened, not the path beforehand, leaves no window for a
 * swap between check and use.
 */

export const DIR_FLAGS = C.O_RDONLY | C.O_DIRECTORY | C.O_NOFOLLOW;

export const fdPath = (fd: number, name = "") =>
  name ? `/proc/self/fd/${fd}/${name}` : `/proc/self/fd/${fd}`;

/** Where a workspace operation points: the user's workspace, a project folder in it, a path in that. */
export interface FileTarget {
  /** The user's workspace (e.g. `/home/octo_alice/octo`); comes from the runner's config, never a client. */
  root: string;
  project: string;
  /** Relative to the project; `""` is the project folder. */
  path: string;
}

export interface Project {
  /** Real absolute path of the project folder. */
  readonly dir: string;
  readonly fd: FileHandle;
}

/** The parent folder of a path, held open, and the last segment (`""` for the project itself). */
export interface Located {
  readonly project: Project;
  readonly dir: FileHandle;
  readonly name: string;
  readonly rel: string;
  /** `/proc/self/fd/<dir>/<name>`: use this, never a string path, for the final component. */
  readonly path: string;
}

export const isInside = (project: Project, real: string) =>
  real === project.dir || real.startsWith(`${project.dir}/`);

export async function openProject(root: string, project: string): Promise<Result<Project>> {
  if (!PROJECT_FOLDER_PATTERN.test(project)) return fail("validation_failed", `bad project folder name`);
  let rootReal: string;
  try {
    rootReal = await fsp.realpath(root);
  } catch {
    return fail("not_found", "the workspace does not exist");
  }
  const dir = join(rootReal, project);
  let fd: FileHandle;
  try {
    fd = await fsp.open(dir, DIR_FLAGS);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return fail("not_found", `no project ${project}`);
    if (code === "ENOTDIR" || code === "ELOOP") {
      const st = await fsp.lstat(dir);
      if (st.isSymbolicLink()) return fail("path_outside_workspace", `project ${project} is a symlink`);
      return fail("wrong_type", `project ${project} is not a folder`);
    }
    return ioFailure(e, "");
  }
  // The owner's folder in `owner/name` is not opened with O_NOFOLLOW: check where we really are.
  if ((await realPathOf(fd).catch(() => "")) !== dir) {
    await fd.close();
    return fail("path_outside_workspace", `project ${project} is not inside the workspace`);
  }
  return ok({ dir, fd });
}

/**
 * Following a symlink failed: only a missing target makes it "a symlink to nothing"; a target we
 * may not open is a permission problem, said as such (never where the link points).
 */
function followFailure(e: unknown, rel: string, notDir: string): Result<never> {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return fail("not_found", `${shown(rel)} is a symlink to nothing`);
  if (code === "ENOTDIR") return fail("wrong_type", notDir);
  return ioFailure(e, rel);
}

/** What a non-regular file is, in words. */
export function kindOf(st: { isDirectory(): boolean; isFIFO(): boolean; isSocket(): boolean }): string {
  if (st.isDirectory()) return "a folder";
  if (st.isFIFO()) return "a named pipe (FIFO)";
  if (st.isSocket()) return "a socket";
  return "a device or other special file";
}

/** Where the open descriptor really is, as the kernel sees it. */
export const realPathOf = (fh: FileHandle) => fsp.readlink(fdPath(fh.fd));

/**
 * Open child folder `name` of an open folder. A symlinked folder is followed only to a place inside
 * the project. With `createMode`, a missing folder is made with exactly that mode.
 */
export async function openDirAt(
  project: Project,
  parent: FileHandle,
  name: string,
  rel: string,
  createMode?: number,
): Promise<Result<FileHandle>> {
  const path = fdPath(parent.fd, name);
  try {
    return ok(await fsp.open(path, DIR_FLAGS));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" && createMode !== undefined) return makeDir(path, rel, createMode);
    if (code !== "ENOTDIR" && code !== "ELOOP") return ioFailure(e, rel);
  }
  const st = await fsp.lstat(path).catch(() => null);
  if (!st) return fail("not_found", `${shown(rel)} does not exist`);
  if (!st.isSymbolicLink()) return fail("wrong_type", `${shown(rel)} is not a folder`);
  let followed: FileHandle;
  try {
    followed = await fsp.open(path, C.O_RDONLY | C.O_DIRECTORY);
  } catch (e) {
    // A dangling link or a link to a file: say so without telling where it points outside.
    return followFailure(e, rel, `${shown(rel)} is not a folder`);
  }
  if (isInside(project, await realPathOf(followed))) return ok(followed);
  await followed.close();
  return fail("path_outside_workspace", `${shown(rel)} is a symlink that leads out of the project`);
}

async function makeDir(path: string, rel: string, mode: number): Promise<Result<FileHandle>> {
  try {
    await fsp.mkdir(path, { mode });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") return ioFailure(e, rel);
  }
  try {
    const fh = await fsp.open(path, DIR_FLAGS);
    await fh.chmod(mode);
    return ok(fh);
  } catch (e) {
    return ioFailure(e, rel);
  }
}

export interface LocateOptions {
  /** Make missing parent folders with this mode. */
  createParents?: number;
}

/** Walk to the parent of `rel`, holding it open. The caller closes it with `release()`. */
export async function locate(
  project: Project,
  rel: string,
  opts: LocateOptions = {},
): Promise<Result<Located>> {
  const problem = relativePathProblem(rel);
  if (problem) return fail("validation_failed", problem);
  if (rel === "") return ok({ project, dir: project.fd, name: "", rel, path: fdPath(project.fd.fd) });
  const segments = rel.split("/");
  const name = segments.pop() as string;
  let dir = project.fd;
  let walked = "";
  for (const segment of segments) {
    walked = walked ? `${walked}/${segment}` : segment;
    const next = await openDirAt(project, dir, segment, walked, opts.createParents);
    if (dir !== project.fd) await dir.close();
    if (!next.ok) return next;
    dir = next.value;
  }
  return ok({ project, dir, name, rel, path: fdPath(dir.fd, name) });
}

export async function release(at: Located): Promise<void> {
  if (at.dir !== at.project.fd) await at.dir.close();
}

/** Open the project, run `fn` with it; OS errors become failures, descriptors are always closed. */
export async function withProject<T>(
  root: string,
  project: string,
  rel: string,
  fn: (p: Project) => Promise<Result<T>>,
): Promise<Result<T>> {
  const opened = await openProject(root, project);
  if (!opened.ok) return opened;
  try {
    return await fn(opened.value);
  } catch (e) {
    return ioFailure(e, rel);
  } finally {
    await opened.value.fd.close();
  }
}

/** Open the project and locate `t.path` in it for the duration of `fn`. */
export function withTarget<T>(
  t: FileTarget,
  opts: LocateOptions,
  fn: (at: Located) => Promise<Result<T>>,
): Promise<Result<T>> {
  return withProject(t.root, t.project, t.path, async (project) => {
    const at = await locate(project, t.path, opts);
    if (!at.ok) return at;
    try {
      return await fn(at.value);
    } finally {
      await release(at.value);
    }
  });
}

/**
 * Open the file at `at` for reading. A symlink is followed only to a file inside the project;
 * O_NONBLOCK keeps a FIFO planted in the project from hanging the runner.
 */
export async function openFileForRead(at: Located): Promise<Result<FileHandle>> {
  let fh: FileHandle;
  try {
    fh = await fsp.open(at.path, C.O_RDONLY | C.O_NOFOLLOW | C.O_NONBLOCK);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ELOOP") return ioFailure(e, at.rel);
    try {
      fh = await fsp.open(at.path, C.O_RDONLY | C.O_NONBLOCK);
    } catch (e) {
      return followFailure(e, at.rel, `${shown(at.rel)}: a part of the path is not a folder`);
    }
    if (!isInside(at.project, await realPathOf(fh))) {
      await fh.close();
      return fail("path_outside_workspace", `${shown(at.rel)} is a symlink that leads out of the project`);
    }
  }
  const st = await fh.stat();
  if (!st.isFile()) {
    await fh.close();
    return fail("wrong_type", `${shown(at.rel)} is ${kindOf(st)}, not a regular file`);
  }
  return ok(fh);
}

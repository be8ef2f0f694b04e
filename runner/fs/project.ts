import { constants as C, promises as fsp } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { fail, ok, type Result } from "../../src/protocol/errors.ts";
import { PROJECT_FOLDER_PATTERN, relativePathProblem } from "../../src/protocol/files.ts";
import { DIR_FLAGS, fdPath, locate, type Project, release } from "./confine.ts";
import { ioFailure } from "./io-failure.ts";
import { TEMP_PREFIX } from "./read-write.ts";
import { removeTree } from "./tree.ts";

/** A project is private to its user: folders 0700; files 0644 (the 0700 folder already keeps others out). */
export const PROJECT_DIR_MODE = 0o700;
export const PROJECT_FILE_MODE = 0o644;

const encoder = new TextEncoder();
const randomHex = () => Buffer.from(crypto.getRandomValues(new Uint8Array(8))).toString("hex");

/**
 * Make a project folder with its template files. It is assembled under a temporary name and renamed
 * into place, so a project either appears complete or not at all. Files are owned by whoever runs
 * this: the runner, running as the user.
 */
export async function createProject(
  workspaceRoot: string,
  folder: string,
  files: Record<string, string>,
): Promise<Result<{ slug: string; files: number }>> {
  if (!PROJECT_FOLDER_PATTERN.test(folder)) return fail("validation_failed", "bad project folder name");
  const { root, slug } = splitFolder(workspaceRoot, folder);
  for (const rel of Object.keys(files)) {
    const problem = relativePathProblem(rel) ?? (rel === "" ? "a file needs a path" : undefined);
    if (problem) return fail("validation_failed", `${rel}: ${problem}`);
  }
  let workspace: FileHandle;
  try {
    await fsp.mkdir(root, { recursive: true, mode: PROJECT_DIR_MODE });
    workspace = await fsp.open(await fsp.realpath(root), DIR_FLAGS);
  } catch (e) {
    return ioFailure(e, "");
  }
  const tempName = `${TEMP_PREFIX}${slug}-${randomHex()}`;
  const tempPath = fdPath(workspace.fd, tempName);
  try {
    if (await exists(fdPath(workspace.fd, slug)))
      return fail("already_exists", `project ${slug} already exists`);
    await fsp.mkdir(tempPath, { mode: PROJECT_DIR_MODE });
    const dir = await fsp.open(tempPath, DIR_FLAGS);
    try {
      await dir.chmod(PROJECT_DIR_MODE);
      const staging: Project = { dir: await fsp.readlink(fdPath(dir.fd)), fd: dir };
      for (const [rel, text] of Object.entries(files)) {
        const written = await writeNewFile(staging, rel, encoder.encode(text));
        if (!written.ok) {
          await removeTree(workspace, tempName);
          return written;
        }
      }
    } finally {
      await dir.close();
    }
    if (await exists(fdPath(workspace.fd, slug))) {
      await removeTree(workspace, tempName);
      return fail("already_exists", `project ${slug} already exists`);
    }
    await fsp.rename(tempPath, fdPath(workspace.fd, slug));
    await workspace.sync().catch(() => undefined);
    return ok({ slug: folder, files: Object.keys(files).length });
  } catch (e) {
    await removeTree(workspace, tempName).catch(() => undefined);
    return ioFailure(e, "");
  } finally {
    await workspace.close();
  }
}

async function writeNewFile(project: Project, rel: string, bytes: Uint8Array): Promise<Result<void>> {
  const at = await locate(project, rel, { createParents: PROJECT_DIR_MODE });
  if (!at.ok) return at;
  try {
    const fh = await fsp.open(at.value.path, C.O_WRONLY | C.O_CREAT | C.O_EXCL | C.O_NOFOLLOW, 0o600);
    try {
      await fh.writeFile(bytes);
      await fh.chmod(PROJECT_FILE_MODE);
      await fh.sync();
    } finally {
      await fh.close();
    }
    return ok(undefined);
  } catch (e) {
    return ioFailure(e, rel);
  } finally {
    await release(at.value);
  }
}

/** Delete a project folder and everything in it, never following a symlink out of it. */
export async function removeProject(workspaceRoot: string, folder: string): Promise<Result<void>> {
  if (!PROJECT_FOLDER_PATTERN.test(folder)) return fail("validation_failed", "bad project folder name");
  const { root, slug } = splitFolder(workspaceRoot, folder);
  let workspace: FileHandle;
  try {
    workspace = await fsp.open(await fsp.realpath(root), DIR_FLAGS);
  } catch {
    return fail("not_found", "the workspace does not exist");
  }
  try {
    const st = await fsp.lstat(fdPath(workspace.fd, slug)).catch(() => null);
    if (!st) return fail("not_found", `no project ${slug}`);
    if (!st.isDirectory()) return fail("wrong_type", `project ${slug} is not a folder`);
    await removeTree(workspace, slug);
    return ok(undefined);
  } catch (e) {
    return ioFailure(e, "");
  } finally {
    await workspace.close();
  }
}

/** `owner/name` lives in the owner's folder (made 0700 by whoever creates the first project there). */
function splitFolder(workspaceRoot: string, folder: string): { root: string; slug: string } {
  const cut = folder.indexOf("/");
  return cut < 0
    ? { root: workspaceRoot, slug: folder }
    : { root: join(workspaceRoot, folder.slice(0, cut)), slug: folder.slice(cut + 1) };
}

const exists = (path: string) =>
  fsp.lstat(path).then(
    () => true,
    () => false,
  );

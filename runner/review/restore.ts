import {
  closeSync,
  existsSync,
  promises as fsp,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import type { RawChange } from "./diff.ts";
import { gitOk } from "./git.ts";
import type { CheckpointStore } from "./store.ts";

/**
 * Putting a project's files into a checkpoint's state, all or nothing.
 *
 * 1. staging: every file to write is checked out of the store into `<project>/.octo/.restore/<id>/`
 *    (same filesystem, so the final step is renames only; `.octo/` is read-only in the sandbox).
 * 2. the journal says `commit` (written to a temporary, fsynced, renamed): from here on the restore
 *    is finished even if this process dies — the next start redoes the deletes and the renames that
 *    are left (each is idempotent: a staged file that is gone was already renamed into place).
 * 3. deletes, then renames, then empty folders left by the deletes are removed; journal removed.
 * A journal still in `staging` is rolled back: the project was never touched.
 */

export const STAGING = join(".octo", ".restore");

export interface JournalOp {
  path: string;
  action: "delete" | "write";
}

export interface Journal {
  id: string;
  phase: "staging" | "commit";
  tree: string;
  ops: JournalOp[];
}

function writeJournal(file: string, j: Journal): void {
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, JSON.stringify(j), { mode: 0o600 });
  const fd = openSync(tmp, "r");
  fsyncSync(fd);
  closeSync(fd);
  renameSync(tmp, file);
}

/** A hook for the kill-mid-restore test: stop here (the test kills the runner) when asked. */
async function testPause(point: "staging" | "commit"): Promise<void> {
  const file = process.env.OCTO_TEST_RESTORE_PAUSE;
  if (!file || (process.env.OCTO_TEST_RESTORE_PAUSE_AT ?? "commit") !== point) return;
  writeFileSync(file, point);
  await new Promise(() => {});
}

/** Apply the changes that turn the current files into `tree` (the store is locked by the caller). */
export async function applyTree(
  store: CheckpointStore,
  tree: string,
  changes: RawChange[],
  id: string,
): Promise<void> {
  const project = store.projectDir;
  const staging = join(project, STAGING, id);
  const ops: JournalOp[] = changes.map((c) => ({
    path: c.path,
    action: c.status === "D" ? "delete" : "write",
  }));
  const journal: Journal = { id, phase: "staging", tree, ops };
  writeJournal(store.journalFile, journal);
  const writes = ops.filter((o) => o.action === "write").map((o) => o.path);
  if (writes.length > 0) {
    await fsp.mkdir(staging, { recursive: true, mode: 0o700 });
    // A scratch index holding the target tree, checked out under the staging prefix: modes kept,
    // symlinks made as symlinks (never followed).
    const index = join(store.dir, `restore-${id}.index`);
    const t = { ...store.target, indexFile: index };
    await gitOk(t, ["read-tree", tree]);
    await gitOk(t, ["checkout-index", "-f", "-z", "--stdin", `--prefix=${staging}/`], {
      stdin: `${writes.join("\0")}\0`,
    });
    await fsp.rm(index, { force: true });
  }
  await testPause("staging");
  writeJournal(store.journalFile, { ...journal, phase: "commit" });
  await finish(store, { ...journal, phase: "commit" }, true);
}

/** Deletes and renames of a committed journal; safe to run again after any interruption. */
async function finish(store: CheckpointStore, j: Journal, mayPause: boolean): Promise<void> {
  const project = store.projectDir;
  const staging = join(project, STAGING, j.id);
  const touchedDirs = new Set<string>();
  let done = 0;
  for (const op of j.ops.filter((o) => o.action === "delete")) {
    await removePath(join(project, op.path));
    touchedDirs.add(dirname(op.path));
    if (mayPause && ++done === 1) await testPause("commit");
  }
  for (const op of j.ops.filter((o) => o.action === "write")) {
    const from = join(staging, op.path);
    const st = await fsp.lstat(from).catch(() => null);
    if (!st) continue; // renamed into place before an interruption
    const to = join(project, op.path);
    await makeParents(project, dirname(op.path));
    const there = await fsp.lstat(to).catch(() => null);
    if (there?.isDirectory()) await fsp.rm(to, { recursive: true, force: true });
    await fsp.rename(from, to);
    if (mayPause && ++done === 1) await testPause("commit");
  }
  for (const dir of [...touchedDirs].sort((a, b) => b.length - a.length)) await removeEmptyUp(project, dir);
  await fsp.rm(staging, { recursive: true, force: true });
  await fsp.rm(store.journalFile, { force: true });
}

async function removePath(path: string): Promise<void> {
  const st = await fsp.lstat(path).catch(() => null);
  if (!st) return;
  if (st.isDirectory()) await fsp.rm(path, { recursive: true, force: true });
  else await fsp.unlink(path);
}

/** mkdir -p inside the project, replacing a file or link that stands where a folder must be. */
async function makeParents(project: string, rel: string): Promise<void> {
  if (rel === "." || rel === "") return;
  let cur = project;
  for (const seg of rel.split("/")) {
    cur = join(cur, seg);
    const st = await fsp.lstat(cur).catch(() => null);
    if (st && !st.isDirectory()) await fsp.unlink(cur);
    if (!st?.isDirectory()) await fsp.mkdir(cur, { mode: 0o755 });
  }
}

async function removeEmptyUp(project: string, rel: string): Promise<void> {
  let cur = rel;
  while (cur !== "." && cur !== "") {
    const abs = join(project, cur);
    const entries = await fsp.readdir(abs).catch(() => null);
    if (!entries || entries.length > 0) return;
    await fsp.rmdir(abs).catch(() => {});
    cur = dirname(cur);
  }
}

/** At start (and before any store op): finish a committed restore, roll back one that was staging. */
export async function recover(store: CheckpointStore): Promise<"none" | "rolled_back" | "completed"> {
  if (!existsSync(store.journalFile)) return "none";
  let j: Journal;
  try {
    j = JSON.parse(readFileSync(store.journalFile, "utf8")) as Journal;
  } catch {
    await fsp.rm(store.journalFile, { force: true });
    return "rolled_back";
  }
  if (j.phase === "commit") {
    await finish(store, j, false);
    return "completed";
  }
  await fsp.rm(join(store.projectDir, STAGING, j.id), { recursive: true, force: true });
  await fsp.rm(join(store.dir, `restore-${j.id}.index`), { force: true });
  await fsp.rm(store.journalFile, { force: true });
  return "rolled_back";
}

import { promises as fsp } from "node:fs";
import { join } from "node:path";
import { fail, ok, type Result } from "../../src/protocol/errors.ts";
import type { ChangedFile, ChangesResult } from "../../src/protocol/review.ts";
import { parseRawNumstat, splitHunks } from "./diff.ts";
import { nulFields } from "./git.ts";
import { EMPTY_TREE, type GitJail, HEAD_OR_EMPTY, jailedGit, jailedGit1 } from "./sandbox-git.ts";

/**
 * The project's own git repository, where it is one: its working tree against HEAD. Every git
 * command runs inside the project's sandbox (`sandbox-git.ts`): the repository's config, attributes
 * and hooks are the agent's to write.
 */

const UNTRACKED = ["ls-files", "-o", "--exclude-standard", "-z"];

/** Line counts of an untracked file, read here (no git needed): binary when a NUL is in its head. */
async function untrackedCounts(dir: string, path: string): Promise<Omit<ChangedFile, "path" | "status">> {
  const st = await fsp.lstat(join(dir, path)).catch(() => null);
  if (st?.isSymbolicLink()) return { binary: false, added: 1, removed: 0, kind: "link" };
  if (!st?.isFile() || st.size > 50 * 1024 * 1024)
    return { binary: st?.isFile() ?? false, added: 0, removed: 0 };
  const bytes = await fsp.readFile(join(dir, path)).catch(() => new Uint8Array());
  if (bytes.subarray(0, 8000).includes(0)) return { binary: true, added: 0, removed: 0 };
  let lines = 0;
  for (const b of bytes) if (b === 10) lines++;
  if (bytes.length > 0 && bytes[bytes.length - 1] !== 10) lines++;
  return { binary: false, added: lines, removed: 0 };
}

export async function projectChanges(dir: string, jail: GitJail): Promise<Result<ChangesResult>> {
  const [head, diff, untracked] = await jailedGit(dir, jail, [
    { args: ["rev-parse", "--verify", "-q", "HEAD"] },
    { args: ["diff", "-M", "--raw", "--numstat", "-z", HEAD_OR_EMPTY] },
    { args: UNTRACKED },
  ]);
  if (diff?.code !== 0) return fail("internal", `git diff failed: ${diff?.err.slice(0, 200)}`);
  const files: ChangedFile[] = parseRawNumstat(diff.out).files;
  for (const path of nulFields(untracked?.out ?? ""))
    files.push({ path, status: "added", ...(await untrackedCounts(dir, path)) });
  files.sort((x, y) => x.path.localeCompare(y.path));
  const base = head?.code === 0 ? head.out.trim() : null;
  return ok({ files, from: base, to: null, git: true });
}

function stripHeader(out: string): { lines: string[]; binary: boolean } {
  const all = out.split("\n");
  if (all.at(-1) === "") all.pop();
  const first = all.findIndex((l) => l.startsWith("@@"));
  return {
    lines: first === -1 ? [] : all.slice(first),
    binary: all.some((l) => l.startsWith("Binary files ")),
  };
}

/** The diff of one path against HEAD, or of a new file against nothing; and whether it is untracked. */
async function diffOf(dir: string, jail: GitJail, path: string) {
  const [untracked, tracked, fresh] = await jailedGit(dir, jail, [
    { args: UNTRACKED },
    { args: ["diff", "--no-color", "--no-ext-diff", HEAD_OR_EMPTY, "--", path] },
    { args: ["diff", "--no-color", "--no-ext-diff", "--no-index", "/dev/null", path] },
  ]);
  const isUntracked = nulFields(untracked?.out ?? "").includes(path);
  return { isUntracked, ...stripHeader((isUntracked ? fresh?.out : tracked?.out) ?? "") };
}

export async function projectDiff(
  dir: string,
  jail: GitJail,
  path: string,
): Promise<{ lines: string[]; binary: boolean }> {
  const { lines, binary } = await diffOf(dir, jail, path);
  return { lines, binary };
}

export async function projectDiscard(
  dir: string,
  jail: GitJail,
  path: string,
  hunk?: { index: number; header: string },
): Promise<Result<void>> {
  const { isUntracked, lines, binary } = await diffOf(dir, jail, path);
  if (!hunk) {
    if (isUntracked) {
      await fsp.rm(join(dir, path), { force: true });
      return ok(undefined);
    }
    const r = await jailedGit1(dir, jail, ["checkout", HEAD_OR_EMPTY, "--", path]);
    return r.code === 0 ? ok(undefined) : fail("conflict", `git checkout failed: ${r.err.slice(0, 200)}`);
  }
  const h = splitHunks(lines)[hunk.index];
  if (binary || isUntracked) return fail("bad_request", "discard this file whole");
  if (!h || h.header !== hunk.header) return fail("stale_diff", "the file changed since this diff was shown");
  const patch = [`--- a/${path}`, `+++ b/${path}`, h.header, ...h.body, ""].join("\n");
  const r = await jailedGit1(dir, jail, ["apply", "-R", "-"], { stdin: patch });
  return r.code === 0
    ? ok(undefined)
    : fail("stale_diff", `the hunk no longer applies: ${r.err.slice(0, 200)}`);
}

export { EMPTY_TREE };

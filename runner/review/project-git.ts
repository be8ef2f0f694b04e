import { promises as fsp } from "node:fs";
import { join } from "node:path";
import { fail, ok, type Result } from "../../src/protocol/errors.ts";
import type { ChangedFile, ChangesResult } from "../../src/protocol/review.ts";
import { parseRawNumstat, splitHunks } from "./diff.ts";
import { nulFields } from "./git.ts";

/**
 * The project's own git repository, where it is one: its working tree against HEAD. git runs in
 * the project as the runner's user (outside any sandbox), with prompts and hooks off.
 */
async function run(
  dir: string,
  args: string[],
  stdin?: string,
): Promise<{ code: number; out: string; err: string }> {
  const proc = Bun.spawn(["git", "-c", "core.quotepath=off", ...args], {
    cwd: dir,
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: process.env.HOME ?? "/nonexistent",
      GIT_TERMINAL_PROMPT: "0",
      GIT_LITERAL_PATHSPECS: "1",
      LC_ALL: "C",
    },
    stdin: stdin === undefined ? "ignore" : new Blob([stdin]),
    stdout: "pipe",
    stderr: "pipe",
  });
  const [out, err, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { code, out, err };
}

const EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";

async function head(dir: string): Promise<string> {
  const r = await run(dir, ["rev-parse", "--verify", "-q", "HEAD"]);
  return r.code === 0 ? r.out.trim() : EMPTY_TREE;
}

async function untracked(dir: string): Promise<string[]> {
  return nulFields((await run(dir, ["ls-files", "-o", "--exclude-standard", "-z"])).out);
}

export async function projectChanges(dir: string): Promise<Result<ChangesResult>> {
  const base = await head(dir);
  const r = await run(dir, ["diff", "-M", "--raw", "--numstat", "-z", base]);
  if (r.code !== 0) return fail("internal", `git diff failed: ${r.err.trim().slice(0, 200)}`);
  const files: ChangedFile[] = parseRawNumstat(r.out).files;
  for (const path of await untracked(dir)) {
    const st = await fsp.lstat(join(dir, path)).catch(() => null);
    const d = await run(dir, ["diff", "--no-index", "--numstat", "-z", "/dev/null", path]);
    const [a, rm] = d.out.split("\t");
    files.push({
      path,
      status: "added",
      binary: a === "-",
      added: a === "-" ? 0 : Number(a) || 0,
      removed: rm === "-" ? 0 : Number(rm) || 0,
      ...(st?.isSymbolicLink() ? { kind: "link" as const } : {}),
    });
  }
  files.sort((x, y) => x.path.localeCompare(y.path));
  return ok({ files, from: base === EMPTY_TREE ? null : base, to: null, git: true });
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

export async function projectDiff(dir: string, path: string): Promise<{ lines: string[]; binary: boolean }> {
  if ((await untracked(dir)).includes(path))
    return stripHeader((await run(dir, ["diff", "--no-color", "--no-index", "/dev/null", path])).out);
  return stripHeader((await run(dir, ["diff", "--no-color", await head(dir), "--", path])).out);
}

export async function projectDiscard(
  dir: string,
  path: string,
  hunk?: { index: number; header: string },
): Promise<Result<void>> {
  const isUntracked = (await untracked(dir)).includes(path);
  if (!hunk) {
    if (isUntracked) {
      await fsp.rm(join(dir, path), { force: true });
      return ok(undefined);
    }
    const r = await run(dir, ["checkout", await head(dir), "--", path]);
    return r.code === 0
      ? ok(undefined)
      : fail("conflict", `git checkout failed: ${r.err.trim().slice(0, 200)}`);
  }
  const { lines, binary } = await projectDiff(dir, path);
  const h = splitHunks(lines)[hunk.index];
  if (binary || isUntracked) return fail("bad_request", "discard this file whole");
  if (!h || h.header !== hunk.header) return fail("stale_diff", "the file changed since this diff was shown");
  const patch = [`--- a/${path}`, `+++ b/${path}`, h.header, ...h.body, ""].join("\n");
  const r = await run(dir, ["apply", "-R", "-"], patch);
  return r.code === 0
    ? ok(undefined)
    : fail("stale_diff", `the hunk no longer applies: ${r.err.trim().slice(0, 200)}`);
}

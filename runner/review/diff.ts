import type { ChangedFile } from "../../src/protocol/review.ts";
import { type GitTarget, gitOk, nulFields } from "./git.ts";

/** One entry of `git diff-tree --raw`: what a path becomes between two trees. */
export interface RawChange {
  status: string;
  srcMode: string;
  dstMode: string;
  dstBlob: string;
  path: string;
  oldPath?: string;
}

const STATUS: Record<string, ChangedFile["status"]> = {
  A: "added",
  D: "deleted",
  M: "modified",
  T: "modified",
  R: "renamed",
};

/** Raw changes and line counts from one `git diff-tree` call (renames detected unless told not to). */
export async function diffTrees(
  t: GitTarget,
  from: string,
  to: string,
  opts: { renames?: boolean; paths?: string[] } = {},
): Promise<{ raw: RawChange[]; files: ChangedFile[] }> {
  const renames = opts.renames ?? true;
  const out = await gitOk(t, [
    "diff-tree",
    "-r",
    "-z",
    "--raw",
    "--numstat",
    renames ? "-M" : "--no-renames",
    from,
    to,
    ...(opts.paths ? ["--", ...opts.paths] : []),
  ]);
  return parseRawNumstat(out);
}

/** `--raw --numstat -z` output: the raw entries first, then the line counts in the same order. */
export function parseRawNumstat(out: string): { raw: RawChange[]; files: ChangedFile[] } {
  const tokens = nulFields(out);
  const raw: RawChange[] = [];
  const counts: { added: number; removed: number; binary: boolean }[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i] as string;
    if (tok.startsWith(":")) {
      const [srcMode, dstMode, , dstBlob, status] = tok.slice(1).split(" ") as string[];
      const letter = (status ?? "M")[0] as string;
      if (letter === "R" || letter === "C") {
        raw.push({
          status: letter,
          srcMode: srcMode ?? "",
          dstMode: dstMode ?? "",
          dstBlob: dstBlob ?? "",
          oldPath: tokens[i + 1],
          path: tokens[i + 2] as string,
        });
        i += 2;
      } else {
        raw.push({
          status: letter,
          srcMode: srcMode ?? "",
          dstMode: dstMode ?? "",
          dstBlob: dstBlob ?? "",
          path: tokens[i + 1] as string,
        });
        i += 1;
      }
    } else {
      const [a, r, p] = tok.split("\t");
      if (p === "") i += 2; // a rename: the two paths follow
      counts.push({
        added: a === "-" ? 0 : Number(a),
        removed: r === "-" ? 0 : Number(r),
        binary: a === "-",
      });
    }
  }
  const files = raw.map((c, n): ChangedFile => {
    const count = counts[n] ?? { added: 0, removed: 0, binary: false };
    const link = c.dstMode === "120000" || (c.status === "D" && c.srcMode === "120000");
    return {
      path: c.path,
      status: STATUS[c.status] ?? "modified",
      ...(c.oldPath ? { old_path: c.oldPath } : {}),
      binary: count.binary,
      added: count.added,
      removed: count.removed,
      ...(link ? { kind: "link" as const } : {}),
    };
  });
  return { raw, files };
}

/** The unified diff of one path (or a rename's two) between two trees, without git's header lines. */
export async function fileDiff(
  t: GitTarget,
  from: string,
  to: string,
  path: string,
  oldPath?: string,
): Promise<{ lines: string[]; binary: boolean }> {
  const paths = oldPath && oldPath !== path ? [oldPath, path] : [path];
  const out = await gitOk(t, ["diff", "--no-color", "--no-ext-diff", "-M", from, to, "--", ...paths]);
  const all = out.split("\n");
  if (all.at(-1) === "") all.pop();
  const first = all.findIndex((l) => l.startsWith("@@"));
  const binary = all.some((l) => l.startsWith("Binary files ") || l === "GIT binary patch");
  return { lines: first === -1 ? [] : all.slice(first), binary };
}

/** The hunks of a diff: each its header line and body lines. */
export function splitHunks(lines: string[]): { header: string; body: string[] }[] {
  const hunks: { header: string; body: string[] }[] = [];
  for (const line of lines) {
    if (line.startsWith("@@")) hunks.push({ header: line, body: [] });
    else hunks.at(-1)?.body.push(line);
  }
  return hunks;
}

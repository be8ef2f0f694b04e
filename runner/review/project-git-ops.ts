import { fail, ok, type Result } from "../../src/protocol/errors.ts";
import type { ReviewOpParams } from "../../src/protocol/review.ts";
import { type GitJail, type GitOut, jailedGit, jailedGit1 } from "./sandbox-git.ts";

type Action = ReviewOpParams<"review.git">["action"];
type LocalAction = Exclude<Action, { do: "push" | "pull" | "fetch" | "remote_url" }>;

/** `## main...origin/main [ahead 1, behind 2]` → branch, upstream, ahead, behind. */
export function parseBranchLine(head: string) {
  if (head.startsWith("No commits yet on "))
    return { branch: head.slice(18), upstream: null, ahead: 0, behind: 0 };
  if (head.startsWith("HEAD (no branch)")) return { branch: null, upstream: null, ahead: 0, behind: 0 };
  const m = head.match(/^(.+?)(?:\.\.\.(\S+))?(?: \[(.*)\])?$/);
  const track = m?.[3] ?? "";
  return {
    branch: m?.[1] ?? null,
    upstream: m?.[2] ?? null,
    ahead: Number(track.match(/ahead (\d+)/)?.[1] ?? 0),
    behind: Number(track.match(/behind (\d+)/)?.[1] ?? 0),
  };
}

const logArgs = (n: number) => ["log", `-n${n}`, "--format=%H%x00%s%x00%an <%ae>%x00%at%x00"];

/** No commits yet is an empty log, not an error. */
function parseLog(r: GitOut) {
  if (r.code !== 0) return [];
  const f = r.out.split("\0");
  const commits = [];
  for (let i = 0; i + 3 < f.length; i += 4)
    commits.push({
      sha: (f[i] as string).trim(),
      subject: f[i + 1] as string,
      author: f[i + 2] as string,
      at: Number(f[i + 3]) * 1000,
    });
  return commits;
}

const author = (a: { name: string; email: string }) => ({
  GIT_AUTHOR_NAME: a.name,
  GIT_AUTHOR_EMAIL: a.email,
  GIT_COMMITTER_NAME: a.name,
  GIT_COMMITTER_EMAIL: a.email,
});

/** Local operations in the project's own repository, each in the project's sandbox. */
export async function gitAction(dir: string, jail: GitJail, a: LocalAction): Promise<Result<unknown>> {
  switch (a.do) {
    case "status": {
      const [st, sha, log] = await jailedGit(dir, jail, [
        { args: ["status", "--porcelain=v1", "-z", "--branch", "--untracked-files=all"] },
        { args: ["rev-parse", "--verify", "-q", "HEAD"] },
        ...(a.log ? [{ args: logArgs(a.log) }] : []),
      ]);
      if (st?.code !== 0) return fail("conflict", `git status: ${st?.err.slice(0, 300)}`);
      const fields = st.out.split("\0").filter(Boolean);
      const head = fields[0]?.startsWith("## ") ? (fields.shift() as string).slice(3) : "";
      const files: { path: string; staged: string; unstaged: string }[] = [];
      for (let i = 0; i < fields.length; i++) {
        const f = fields[i] as string;
        files.push({ staged: f[0] ?? " ", unstaged: f[1] ?? " ", path: f.slice(3) });
        if (f[0] === "R" || f[0] === "C") i++; // the rename's source follows
      }
      return ok({
        ...parseBranchLine(head),
        head: sha?.code === 0 ? sha.out.trim() : null,
        files,
        ...(log ? { commits: parseLog(log) } : {}),
      });
    }
    case "log": {
      const r = await jailedGit1(dir, jail, logArgs(a.limit));
      return ok({ commits: parseLog(r) });
    }
    case "stage":
    case "unstage": {
      const args =
        a.do === "stage" ? ["add", "-A", "--", ...a.paths] : ["restore", "--staged", "--", ...a.paths];
      const r = await jailedGit1(dir, jail, args);
      return r.code === 0 ? ok({}) : fail("validation_failed", `git ${args[0]}: ${r.err.slice(0, 300)}`);
    }
    case "commit": {
      const [r, sha] = await jailedGit(
        dir,
        jail,
        [{ args: ["commit", "-q", "-m", a.message] }, { args: ["rev-parse", "HEAD"] }],
        { env: author(a.author) },
      );
      if (r?.code !== 0) {
        const nothing = /nothing (added )?to commit|no changes added/.test(`${r?.err}${r?.out}`);
        return fail(
          "conflict",
          nothing ? "nothing is staged to commit" : `git commit: ${(r?.err || r?.out || "").slice(0, 300)}`,
        );
      }
      return ok({ sha: sha?.out.trim() });
    }
    case "branches": {
      const r = await jailedGit1(dir, jail, [
        "for-each-ref",
        "--format=%(refname)%00%(objectname)%00%(HEAD)%00%(upstream:short)",
        "refs/heads",
        "refs/remotes",
      ]);
      if (r.code !== 0) return fail("internal", `git for-each-ref: ${r.err.slice(0, 300)}`);
      const branches = [];
      const remotes = [];
      for (const line of r.out.split("\n").filter(Boolean)) {
        const [ref, sha, cur, upstream] = line.split("\0") as [string, string, string, string];
        if (ref.startsWith("refs/heads/"))
          branches.push({
            name: ref.slice(11),
            sha,
            current: cur === "*",
            upstream: upstream || null,
          });
        else if (!ref.endsWith("/HEAD")) remotes.push({ name: ref.slice(13), sha });
      }
      return ok({ branches, remotes });
    }
    case "branch_create":
    case "branch_switch": {
      const args =
        a.do === "branch_create" ? ["switch", "-c", a.name, ...(a.from ? [a.from] : [])] : ["switch", a.name];
      const r = await jailedGit1(dir, jail, args);
      if (r.code === 0) return ok({ branch: a.name });
      if (/already exists/.test(r.err)) return fail("conflict", `a branch named ${a.name} already exists`);
      if (/invalid reference|not a valid|did not match/.test(r.err))
        return fail("not_found", `no branch or commit named ${a.do === "branch_create" ? a.from : a.name}`);
      if (/would be overwritten|overwritten by checkout/.test(r.err))
        return fail(
          "git_conflict",
          `local changes would be overwritten by switching: ${r.err.slice(0, 300)}`,
        );
      return fail("validation_failed", `git switch: ${r.err.slice(0, 300)}`);
    }
  }
}

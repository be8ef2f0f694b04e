import { fail, ok, type Result } from "../../src/protocol/errors.ts";
import type { ReviewOpParams } from "../../src/protocol/review.ts";

type Action = ReviewOpParams<"review.git">["action"];

/** git in the project as the runner's user: no prompts, no pager, no hooks' terminal. */
async function run(dir: string, args: string[], env: Record<string, string> = {}) {
  const proc = Bun.spawn(["git", "-c", "core.quotepath=off", ...args], {
    cwd: dir,
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: process.env.HOME ?? "/nonexistent",
      GIT_TERMINAL_PROMPT: "0",
      GIT_LITERAL_PATHSPECS: "1",
      LC_ALL: "C",
      ...env,
    },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const [out, err, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { code, out, err: err.trim() };
}

/** status, log, stage, unstage, commit in the project's own repository. */
export async function gitAction(dir: string, a: Action): Promise<Result<unknown>> {
  switch (a.do) {
    case "status": {
      const r = await run(dir, ["status", "--porcelain=v1", "-z", "--branch", "--untracked-files=all"]);
      if (r.code !== 0) return fail("conflict", `git status: ${r.err.slice(0, 300)}`);
      const fields = r.out.split("\0").filter(Boolean);
      const head = fields[0]?.startsWith("## ") ? (fields.shift() as string).slice(3) : "";
      const branch = head.startsWith("No commits yet on ") ? head.slice(18) : (head.split("...")[0] ?? null);
      const files: { path: string; staged: string; unstaged: string }[] = [];
      for (let i = 0; i < fields.length; i++) {
        const f = fields[i] as string;
        files.push({ staged: f[0] ?? " ", unstaged: f[1] ?? " ", path: f.slice(3) });
        if (f[0] === "R" || f[0] === "C") i++; // the rename's source follows
      }
      const sha = await run(dir, ["rev-parse", "--verify", "-q", "HEAD"]);
      return ok({ branch: branch || null, head: sha.code === 0 ? sha.out.trim() : null, files });
    }
    case "log": {
      const r = await run(dir, ["log", `-n${a.limit}`, "--format=%H%x00%s%x00%an <%ae>%x00%at%x00"]);
      if (r.code !== 0) return ok({ commits: [] }); // no commits yet
      const f = r.out.split("\0");
      const commits = [];
      for (let i = 0; i + 3 < f.length; i += 4)
        commits.push({
          sha: (f[i] as string).trim(),
          subject: f[i + 1] as string,
          author: f[i + 2] as string,
          at: Number(f[i + 3]) * 1000,
        });
      return ok({ commits });
    }
    case "stage":
    case "unstage": {
      const args =
        a.do === "stage" ? ["add", "-A", "--", ...a.paths] : ["restore", "--staged", "--", ...a.paths];
      const r = await run(dir, args);
      return r.code === 0 ? ok({}) : fail("validation_failed", `git ${args[0]}: ${r.err.slice(0, 300)}`);
    }
    case "commit": {
      const who = {
        GIT_AUTHOR_NAME: a.author.name,
        GIT_AUTHOR_EMAIL: a.author.email,
        GIT_COMMITTER_NAME: a.author.name,
        GIT_COMMITTER_EMAIL: a.author.email,
      };
      const r = await run(dir, ["commit", "-q", "-m", a.message], who);
      if (r.code !== 0) {
        const nothing = /nothing (added )?to commit|no changes added/.test(r.err + r.out);
        return fail(
          "conflict",
          nothing ? "nothing is staged to commit" : `git commit: ${(r.err || r.out).slice(0, 300)}`,
        );
      }
      const sha = await run(dir, ["rev-parse", "HEAD"]);
      return ok({ sha: sha.out.trim() });
    }
  }
}

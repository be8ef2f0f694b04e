/**
 * Running git for the checkpoint store: a fixed, minimal environment (no user config, no hooks,
 * no pager), the store's own GIT_DIR and index, the project as the work tree.
 */
export interface GitRun {
  code: number;
  stdout: Uint8Array;
  stderr: string;
}

export interface GitTarget {
  gitDir: string;
  workTree?: string;
  indexFile?: string;
}

export function gitEnv(t: GitTarget, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: process.env.HOME ?? "/nonexistent",
    GIT_DIR: t.gitDir,
    ...(t.workTree ? { GIT_WORK_TREE: t.workTree } : {}),
    ...(t.indexFile ? { GIT_INDEX_FILE: t.indexFile } : {}),
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_TERMINAL_PROMPT: "0",
    GIT_LITERAL_PATHSPECS: "1",
    GIT_AUTHOR_NAME: "octo",
    GIT_AUTHOR_EMAIL: "octo@localhost",
    GIT_COMMITTER_NAME: "octo",
    GIT_COMMITTER_EMAIL: "octo@localhost",
    LC_ALL: "C",
    ...extra,
  };
}

export async function git(
  t: GitTarget,
  args: string[],
  opts: { stdin?: string; cwd?: string; env?: Record<string, string> } = {},
): Promise<GitRun> {
  const proc = Bun.spawn(["git", "-c", "core.quotepath=off", "-c", "core.symlinks=true", ...args], {
    env: gitEnv(t, opts.env),
    cwd: opts.cwd ?? t.workTree ?? t.gitDir,
    stdin: opts.stdin === undefined ? "ignore" : new Blob([opts.stdin]),
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).bytes(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { code, stdout, stderr };
}

export const text = (r: GitRun): string => new TextDecoder().decode(r.stdout);

/** Throws for a git failure: inside the store these are bugs or a broken store, not user errors. */
export async function gitOk(t: GitTarget, args: string[], opts?: Parameters<typeof git>[2]): Promise<string> {
  const r = await git(t, args, opts);
  if (r.code !== 0) throw new Error(`git ${args[0]} failed (${r.code}): ${r.stderr.trim().slice(0, 500)}`);
  return text(r);
}

/** NUL-separated output without the trailing empty field. */
export const nulFields = (s: string): string[] => {
  const parts = s.split("\0");
  if (parts.at(-1) === "") parts.pop();
  return parts;
};

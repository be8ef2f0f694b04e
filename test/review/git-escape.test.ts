import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { type GitHttpServer, startGitHttp } from "../fixtures/git-http.ts";
import { type SessionWorld, startWorld } from "../sessions/harness.ts";

/**
 * The agent writes the project's `.git/config`, `.gitattributes` and hooks. Every git operation
 * the person starts from the UI must run them only inside the project's sandbox: here each vector
 * tries to create a marker file outside the project (in a directory the runner's account can write,
 * absent inside the sandbox), and no API call may make one appear.
 */

setDefaultTimeout(240_000);
let w: SessionWorld;
let remote: GitHttpServer;
let attacker: GitHttpServer;
let projectId: string;
let dir: string;
let markers: string;
const TOKEN = "tok-escape-0123456789abcdef";

/** Async: the fixture's HTTP server lives in this process. */
async function git(args: string[], cwd: string) {
  const p = Bun.spawn(["git", "-c", "safe.directory=*", ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: "/nonexistent", GIT_CONFIG_NOSYSTEM: "1" },
    stderr: "pipe",
  });
  const err = await new Response(p.stderr).text();
  if ((await p.exited) !== 0) throw new Error(`git ${args.join(" ")}: ${err}`);
}

const touch = (name: string) => `touch ${join(markers, name)}`;

beforeAll(async () => {
  w = await startWorld();
  remote = startGitHttp({ token: TOKEN });
  attacker = startGitHttp({ token: TOKEN });
  remote.bare("r.git", { "a.txt": "one\n" });
  markers = mkdtempSync("/tmp/octo-git-escape-");
  chmodSync(markers, 0o777);
  const r = await w.admin.post<{ project: { id: string; slug: string } }>("/api/projects", {
    name: "Git Escape",
    profile: "open",
  });
  projectId = r.body.project.id;
  dir = w.t.server.ctx.services.placement.project(w.t.admin.username, r.body.project.slug).projectDir;
  // A clone of the remote, made by the person earlier (not through octo).
  rmSync(join(dir, "AGENTS.md"), { force: true });
  await git(["init", "-q", "-b", "main"], dir);
  await git(["remote", "add", "origin", remote.url("r.git")], dir);
  await git(
    [
      "fetch",
      "-q",
      remote.url("r.git").replace("http://", `http://u:${TOKEN}@`),
      "main:refs/remotes/origin/main",
    ],
    dir,
  );
  await git(["reset", "-q", "--hard", "origin/main"], dir);
  await git(["branch", "-q", "--set-upstream-to=origin/main"], dir);
  // What the agent wrote: every place git takes a command from.
  const hooks = join(dir, ".git", "hooks");
  mkdirSync(hooks, { recursive: true });
  for (const hook of [
    "pre-commit",
    "prepare-commit-msg",
    "commit-msg",
    "post-commit",
    "pre-push",
    "post-merge",
    "post-checkout",
    "reference-transaction",
    "pre-auto-gc",
    "post-index-change",
  ]) {
    writeFileSync(join(hooks, hook), `#!/bin/sh\n${touch(`hook-${hook}`)}\nexit 0\n`, { mode: 0o755 });
  }
  writeFileSync(
    join(dir, ".git", "extra.config"),
    `[filter "inc"]\n\tclean = "${touch("include-clean")}; cat"\n`,
  );
  writeFileSync(
    join(dir, ".git", "config"),
    `${Bun.file(join(dir, ".git", "config")).size > 0 ? await Bun.file(join(dir, ".git", "config")).text() : ""}
[core]
\tfsmonitor = "${touch("fsmonitor")}; false"
\tpager = "${touch("pager")}; cat"
\teditor = "${touch("editor")}; true"
\tsshCommand = "${touch("ssh")}"
\taskPass = "${touch("askpass")}"
[diff]
\texternal = "${touch("diff-external")}"
[diff "evil"]
\ttextconv = "${touch("textconv")}; cat"
[filter "evil"]
\tclean = "${touch("filter-clean")}; cat"
\tsmudge = "${touch("filter-smudge")}; cat"
[credential]
\thelper = "!${touch("credential-helper")}"
[sequence]
\teditor = "${touch("sequence-editor")}"
[include]
\tpath = ${join(dir, ".git", "extra.config")}
[url "${attacker.url("")}"]
\tinsteadOf = ${remote.url("")}
`,
  );
  writeFileSync(join(dir, ".gitattributes"), "*.txt filter=evil diff=evil\n*.inc filter=inc\n");
  writeFileSync(join(dir, "a.txt"), "one\ntwo\n");
  writeFileSync(join(dir, "b.inc"), "included\n");
  const owner = lstatSync(dir);
  Bun.spawnSync(["chown", "-R", `${owner.uid}:${owner.gid}`, dir]);
  await w.admin.put("/api/account/git-credentials", { host: `127.0.0.1:${remote.port}`, token: TOKEN });
  await w.admin.put("/api/account/git-credentials", { host: `127.0.0.1:${attacker.port}`, token: TOKEN });
});

afterAll(async () => {
  await remote?.stop();
  await attacker?.stop();
  await w?.stop();
  if (markers) rmSync(markers, { recursive: true, force: true });
});

test("the planted config really runs commands when git runs outside a sandbox (control)", () => {
  const owner = lstatSync(dir);
  const user = Bun.spawnSync(["id", "-nu", String(owner.uid)])
    .stdout.toString()
    .trim();
  // The runner's account running git in the project directly, as project-git.ts used to.
  Bun.spawnSync(["runuser", "-u", user, "--", "git", "-C", dir, "diff", "HEAD"], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: "/nonexistent" },
  });
  const seen = readdirSync(markers);
  for (const m of seen) rmSync(join(markers, m));
  for (const vector of ["fsmonitor", "filter-clean", "diff-external"]) expect(seen).toContain(vector);
});

test("no git operation from the API runs the project's config, attributes or hooks outside its sandbox", async () => {
  const base = `/api/projects/${projectId}`;
  const calls: [string, string, unknown?][] = [
    ["GET", `${base}/git`],
    ["GET", `${base}/changes`],
    ["GET", `${base}/changes/diff?path=a.txt`],
    ["GET", `${base}/changes/diff?path=b.inc`],
    ["POST", `${base}/git/stage`, { paths: ["a.txt", "b.inc", ".gitattributes"] }],
    ["POST", `${base}/git/unstage`, { paths: ["b.inc"] }],
    ["POST", `${base}/git/stage`, { paths: ["b.inc"] }],
    ["POST", `${base}/git/commit`, { message: "agent's changes" }],
    ["GET", `${base}/git/branches`],
    ["POST", `${base}/git/branches`, { name: "feature" }],
    ["POST", `${base}/git/switch`, { name: "main" }],
    ["POST", `${base}/git/fetch`, {}],
    ["POST", `${base}/git/pull`, {}],
    ["POST", `${base}/git/push`, {}],
    ["POST", `${base}/discard`, { path: "b.inc" }],
  ];
  const statuses: string[] = [];
  for (const [method, path, body] of calls) {
    const r =
      method === "GET"
        ? await w.admin.get<{ error?: { code: string } }>(path)
        : await w.admin.post<{ error?: { code: string } }>(path, body);
    statuses.push(`${method} ${path.slice(base.length)} ${r.status} ${r.body.error?.code ?? ""}`);
  }
  // The reads and the local operations worked; the markers never appeared outside.
  expect(statuses.filter((s) => / 5\d\d /.test(s))).toEqual([]);
  expect(statuses.find((s) => s.startsWith("POST /git/commit"))).toContain(" 200");
  expect(readdirSync(markers)).toEqual([]);
  // The push went to the remote the repository names, not where its insteadOf pointed.
  expect(statuses.find((s) => s.startsWith("POST /git/push"))).toContain(" 200");
  expect(attacker.seen).toEqual([]);
  const log = Bun.spawnSync(["git", "--git-dir", join(remote.root, "r.git"), "log", "--format=%s", "main"]);
  expect(log.stdout.toString()).toContain("agent's changes");
  expect(existsSync(join(markers, "hook-pre-push"))).toBe(false);
});

test("the checkpoint store ignores the project's attributes and config", async () => {
  // A discard takes a checkpoint first (the store's own git, the project as its work tree).
  writeFileSync(join(dir, "c.txt"), "new\n");
  const owner = lstatSync(dir);
  Bun.spawnSync(["chown", `${owner.uid}:${owner.gid}`, join(dir, "c.txt")]);
  const r = await w.admin.post(`/api/projects/${projectId}/discard`, { path: "c.txt" });
  expect(r.status).toBe(200);
  expect(existsSync(join(dir, "c.txt"))).toBe(false);
  expect(readdirSync(markers)).toEqual([]);
});

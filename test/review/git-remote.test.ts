import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, lstatSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { mirrorDirFor } from "../../runner/review/remote-git.ts";
import { AGENT_HOME } from "../../src/shared/paths.ts";
import { commitToBare, type GitHttpServer, startGitHttp } from "../fixtures/git-http.ts";
import { Client } from "../http/client.ts";
import { addUser } from "../http/harness.ts";
import { type SessionWorld, startWorld } from "../sessions/harness.ts";

/**
 * Push, pull, fetch and clone against bare repositories served by `git http-backend` on the loopback
 * (projects use the `open` profile, whose host network reaches it; `default` only allows its
 * registries, so the same URL is `host_not_allowed` there). The token is stored per host on the
 * server and must never show up in the project, its `.git/config`, the sandbox or the runner's log.
 */

setDefaultTimeout(300_000);
let w: SessionWorld;
let remote: GitHttpServer;
const TOKEN = "tok-remote-5f2d9c81e7a64b03";
const host = () => `127.0.0.1:${remote.port}`;

type Err = { error: { code: string; message: string } };

async function cloneProject(url: string, name: string, profile = "open") {
  return w.admin.post<{ project_id: string; branch: string; head: string } & Err>("/api/projects/clone", {
    url,
    name,
    profile,
  });
}

async function projectDir(id: string): Promise<string> {
  const p = await w.admin.get<{ project: { slug: string } }>(`/api/projects/${id}`);
  return w.t.server.ctx.services.placement.project(w.t.admin.username, p.body.project.slug).projectDir;
}

/** Every file under `dir` (no symlinks followed) whose bytes contain `needle`. */
function filesContaining(dir: string, needle: string): string[] {
  const hits: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = lstatSync(p);
      if (st.isDirectory()) walk(p);
      else if (st.isFile() && readFileSync(p).includes(needle)) hits.push(p);
    }
  };
  walk(dir);
  return hits;
}

function chownLike(dir: string, path: string) {
  const owner = lstatSync(dir);
  Bun.spawnSync(["chown", "-R", `${owner.uid}:${owner.gid}`, path]);
}

beforeAll(async () => {
  w = await startWorld();
  remote = startGitHttp({ token: TOKEN });
  remote.bare("app.git", { "README.md": "# app\n", "shared.txt": "line 1\nline 2\nline 3\n" });
  await addUser(w.admin, "eve", "eve-password-123");
});

afterAll(async () => {
  await remote?.stop();
  await w?.stop();
});

test("credentials: stored per host, write-only, bad input refused", async () => {
  const bad = await w.admin.put<Err>("/api/account/git-credentials", { host: "not a host", token: "x" });
  expect(bad.status).toBe(422);
  const noToken = await w.admin.put<Err>("/api/account/git-credentials", { host: host() });
  expect(noToken.status).toBe(422);
  const put = await w.admin.put<{ credential: Record<string, unknown> }>("/api/account/git-credentials", {
    host: host(),
    token: "wrong-token",
  });
  expect(put.status).toBe(200);
  expect(JSON.stringify(put.body)).not.toContain("wrong-token");
  const list = await w.admin.get<{ credentials: { host: string }[] }>("/api/account/git-credentials");
  expect(list.body.credentials.map((c) => c.host)).toEqual([host()]);
  expect(JSON.stringify(list.body)).not.toContain("wrong-token");
  const eve = new Client(w.t.url);
  await eve.login("eve", "eve-password-123");
  expect(
    (await eve.get<{ credentials: unknown[] }>("/api/account/git-credentials")).body.credentials,
  ).toEqual([]);
  expect((await eve.delete(`/api/account/git-credentials/${host()}`)).status).toBe(404);
});

test("a wrong token is git_auth_failed, and a failed clone leaves no project behind", async () => {
  const before = (await w.admin.get<{ projects: unknown[] }>("/api/projects")).body.projects.length;
  const r = await cloneProject(remote.url("app.git"), "Wrong Token");
  expect(r.status).toBe(401);
  expect(r.body.error.code).toBe("git_auth_failed");
  expect((await w.admin.get<{ projects: unknown[] }>("/api/projects")).body.projects.length).toBe(before);
});

test("a host the profile does not allow is host_not_allowed (nothing is fetched)", async () => {
  const seen = remote.seen.length;
  const r = await cloneProject(remote.url("app.git"), "Not Allowed", "default");
  expect(r.status).toBe(403);
  expect(r.body.error.code).toBe("host_not_allowed");
  expect(r.body.error.message).toContain(host());
  expect(remote.seen.length).toBe(seen);
  const bad = await w.admin.post<Err>("/api/projects/clone", { url: "ssh://git@example.com/x.git" });
  expect(bad.status).toBe(422);
});

let projectId: string;
let dir: string;

test("clone, commit as the person, push; the token stays out of the project and the runner", async () => {
  await w.admin.put("/api/account/git-credentials", { host: host(), token: TOKEN });
  const email = await w.admin.patch<{ user: { email: string } }>("/api/account", {
    email: "ada@example.org",
  });
  expect(email.body.user.email).toBe("ada@example.org");
  expect((await w.admin.patch<Err>("/api/account", { email: "no at sign" })).status).toBe(422);
  const r = await cloneProject(remote.url("app.git"), "App");
  expect(r.status).toBe(200);
  expect(r.body.branch).toBe("main");
  projectId = r.body.project_id;
  dir = await projectDir(projectId);
  expect(readFileSync(join(dir, "README.md"), "utf8")).toBe("# app\n");
  const base = `/api/projects/${projectId}/git`;
  const status = await w.admin.get<{ status: { branch: string; upstream: string; files: unknown[] } }>(base);
  expect(status.body.status).toMatchObject({ branch: "main", upstream: "origin/main", files: [] });

  writeFileSync(join(dir, "feature.txt"), "new feature\n");
  // The agent's hook records every environment it can see in the sandboxes git runs in.
  writeFileSync(
    join(dir, ".git", "hooks", "reference-transaction"),
    "#!/bin/sh\n{ env; cat /proc/[0-9]*/environ; } >> /workspace/.git/env-dump 2>/dev/null\nexit 0\n",
    { mode: 0o755 },
  );
  chownLike(dir, dir);
  expect((await w.admin.post(`${base}/stage`, { paths: ["feature.txt"] })).status).toBe(200);
  expect((await w.admin.post(`${base}/commit`, { message: "add feature" })).status).toBe(200);
  const ahead = await w.admin.get<{ status: { ahead: number } }>(base);
  expect(ahead.body.status.ahead).toBe(1);
  const push = await w.admin.post<{ pushed: string } & Err>(`${base}/push`, {});
  expect(push.status).toBe(200);
  const log = Bun.spawnSync([
    "git",
    "--git-dir",
    join(remote.root, "app.git"),
    "log",
    "--format=%s|%an <%ae>",
    "main",
  ]);
  expect(log.stdout.toString().split("\n")[0]).toBe(`add feature|${w.t.admin.username} <ada@example.org>`);
  const after = await w.admin.get<{ status: { ahead: number } }>(base);
  expect(after.body.status.ahead).toBe(0);

  // Nowhere the agent can read: not the project (with .git/config), the environment of the
  // sandboxes git ran in (the hook wrote them down), nor the runner's log.
  expect(readFileSync(join(dir, ".git", "env-dump"), "utf8")).toContain("OCTO_SANDBOX");
  expect(filesContaining(dir, TOKEN)).toEqual([]);
  expect(readFileSync(join(dir, ".git", "config"), "utf8")).not.toContain(TOKEN);
  const mirror = mirrorDirFor(dir, join(AGENT_HOME, ".local", "state", "octo", "git-mirrors"));
  expect(existsSync(mirror)).toBe(true);
  expect(filesContaining(mirror, TOKEN)).toEqual([]);
  const runnerLogs = [join(AGENT_HOME, ".local", "state", "octo")].filter(existsSync);
  for (const d of runnerLogs)
    expect(filesContaining(d, TOKEN).filter((f) => !f.includes("/checkpoints/"))).toEqual([]);
  const socketDir = w.t.server.ctx.config.paths.socketDir;
  const logs: string[] = [];
  const findLogs = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = lstatSync(p);
      if (st.isDirectory()) findLogs(p);
      else if (name === "runner.log") logs.push(p);
    }
  };
  findLogs(socketDir);
  expect(logs.length).toBeGreaterThan(0);
  for (const log of logs) expect(readFileSync(log, "utf8")).not.toContain(TOKEN);
  expect(remote.seen.some((s) => s.endsWith(`:${TOKEN}`))).toBe(true);
});

test("a push behind the remote is git_non_fast_forward; a conflicting pull is git_conflict", async () => {
  const base = `/api/projects/${projectId}/git`;
  commitToBare(
    join(remote.root, "app.git"),
    { "shared.txt": "line 1\nremote edit\nline 3\n" },
    "remote edit",
  );
  writeFileSync(join(dir, "shared.txt"), "line 1\nlocal edit\nline 3\n");
  chownLike(dir, join(dir, "shared.txt"));
  await w.admin.post(`${base}/stage`, { paths: ["shared.txt"] });
  expect((await w.admin.post(`${base}/commit`, { message: "local edit" })).status).toBe(200);
  const push = await w.admin.post<Err>(`${base}/push`, {});
  expect(push.status).toBe(409);
  expect(push.body.error.code).toBe("git_non_fast_forward");
  const pull = await w.admin.post<Err>(`${base}/pull`, {});
  expect(pull.status).toBe(409);
  expect(pull.body.error.code).toBe("git_conflict");
  expect(pull.body.error.message).toContain("shared.txt");
  // Nothing was changed: no merge under way, the local edit as it was.
  expect(existsSync(join(dir, ".git", "MERGE_HEAD"))).toBe(false);
  expect(readFileSync(join(dir, "shared.txt"), "utf8")).toBe("line 1\nlocal edit\nline 3\n");
  // fetch brings the remote's branch in; the person resolves by moving to a branch from it.
  expect((await w.admin.post(`${base}/fetch`, {})).status).toBe(200);
  const branches = await w.admin.get<{
    branches: { name: string; current: boolean }[];
    remotes: { name: string }[];
  }>(`${base}/branches`);
  expect(branches.body.remotes.map((b) => b.name)).toContain("origin/main");
  expect(branches.body.branches.find((b) => b.current)?.name).toBe("main");
  const created = await w.admin.post(`${base}/branches`, { name: "from-remote", from: "origin/main" });
  expect(created.status).toBe(200);
  expect(readFileSync(join(dir, "shared.txt"), "utf8")).toBe("line 1\nremote edit\nline 3\n");
  expect((await w.admin.post<Err>(`${base}/branches`, { name: "main" })).body.error.code).toBe("conflict");
  expect((await w.admin.post<Err>(`${base}/switch`, { name: "-bad" })).status).toBe(422);
  expect((await w.admin.post(`${base}/switch`, { name: "main" })).status).toBe(200);
  // A pull that merges cleanly: a new remote commit on another file.
  await w.admin.post(`${base}/switch`, { name: "from-remote" });
  commitToBare(join(remote.root, "app.git"), { "other.txt": "other\n" }, "other file");
  const clean = await w.admin.post<{ merged: boolean }>(`${base}/pull`, {});
  expect(clean.status).toBe(200);
  expect(readFileSync(join(dir, "other.txt"), "utf8")).toBe("other\n");
});

test("someone else's project is not_found for every git route", async () => {
  const eve = new Client(w.t.url);
  await eve.login("eve", "eve-password-123");
  const base = `/api/projects/${projectId}/git`;
  for (const op of ["push", "pull", "fetch"]) expect((await eve.post(`${base}/${op}`, {})).status).toBe(404);
  expect((await eve.get(`${base}/branches`)).status).toBe(404);
  expect((await eve.post(`${base}/switch`, { name: "main" })).status).toBe(404);
  expect((await w.admin.post(`${base}/nope`, {})).status).toBe(404);
});

import { createHash } from "node:crypto";
import {
  closeSync,
  constants,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  rmSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import * as v from "valibot";
import { fail, ok, type Result } from "../../src/protocol/errors.ts";
import { type ReviewOpParams, remoteUrl } from "../../src/protocol/review.ts";
import { hostAllowed, isPrivateAddress, normalizeHost } from "../../src/shared/hosts.ts";
import { defaultOverrideDirs } from "../../src/shared/profiles.ts";
import { resolverWithOverrides } from "../sandbox/egress/proxy.ts";
import { projectPolicy } from "../sandbox/prepare.ts";
import { type GitJail, type GitOut, jailedGit } from "./sandbox-git.ts";

/**
 * Push, pull, fetch and clone (decisions/0025). The token never enters a sandbox: the network half
 * runs here, outside, as the user's account, in a private mirror repository per project whose config
 * octo writes (no repository config, hooks or attributes of the agent's reach it). Objects cross
 * between the mirror and the project's repository as data: a bundle the sandbox writes (push), or
 * the mirror bound read-only into the sandbox (pull, fetch, clone).
 */

type Credential = { username: string; token: string };
type Person = { name: string; email: string };
type RemoteAction = Extract<
  ReviewOpParams<"review.git">["action"],
  { do: "push" | "pull" | "fetch" | "remote_url" }
>;

/** Where the mirror appears inside the sandbox. */
const MIRROR_IN_SANDBOX = "/opt/octo/git-mirror";

export function mirrorsRoot(env: Record<string, string | undefined> = process.env): string {
  const base = env.XDG_STATE_HOME || join(env.HOME || homedir(), ".local", "state");
  return join(base, "octo", "git-mirrors");
}

export const mirrorDirFor = (projectDir: string, root = mirrorsRoot()): string =>
  join(root, createHash("sha256").update(projectDir).digest("hex").slice(0, 16));

/**
 * Answers `get` for the remote's exact host with the token from its own environment, nothing else
 * (`store`/`erase` are ignored). Shell text, so the `$` references are the shell's.
 */
const CREDENTIAL_HELPER = [
  '!f() { test "$1" = get || exit 0; h=;',
  'while IFS= read -r l; do case "$l" in host=*) h=$' + "{l#host=};; esac; done;",
  'test -n "$OCTO_GIT_TOKEN" && test "$h" = "$OCTO_GIT_HOST" || exit 0;',
  'printf \'username=%s\\npassword=%s\\n\' "$OCTO_GIT_USER" "$OCTO_GIT_TOKEN"; }; f',
].join(" ");

interface Outside {
  code: number;
  out: string;
  err: string;
}

/**
 * git outside the sandbox, in the mirror only: no system or global config, an empty HOME, hooks off,
 * only http(s), no redirects to another host, and our credential helper alone (the empty value
 * clears any other). The token is in this process's environment, read by the helper only for the
 * remote's exact host; it is never on an argv, in a file, or in any sandbox.
 */
async function outsideGit(
  mirror: string,
  args: string[],
  cred?: { host: string } & Credential,
): Promise<Outside> {
  const home = join(mirror, "home");
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const helper = CREDENTIAL_HELPER;
  const proc = Bun.spawn(
    [
      "git",
      "-c",
      "credential.helper=",
      "-c",
      `credential.helper=${helper}`,
      "-c",
      "core.hooksPath=/dev/null",
      "-c",
      "protocol.allow=never",
      "-c",
      "protocol.https.allow=always",
      "-c",
      "protocol.http.allow=always",
      "-c",
      "http.followRedirects=false",
      ...args,
    ],
    {
      cwd: mirror,
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        HOME: home,
        GIT_DIR: mirror,
        GIT_CONFIG_NOSYSTEM: "1",
        GIT_CONFIG_GLOBAL: "/dev/null",
        GIT_TERMINAL_PROMPT: "0",
        GIT_ASKPASS: "/bin/false",
        SSH_ASKPASS: "/bin/false",
        LC_ALL: "C",
        ...(cred
          ? { OCTO_GIT_HOST: cred.host, OCTO_GIT_USER: cred.username, OCTO_GIT_TOKEN: cred.token }
          : {}),
      },
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    },
  );
  const timer = setTimeout(() => proc.kill("SIGKILL"), 10 * 60_000);
  const [out, err, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]).finally(() => clearTimeout(timer));
  return { code, out: redact(out, cred?.token), err: redact(err.trim(), cred?.token) };
}

const redact = (s: string, token?: string) => (token ? s.replaceAll(token, "***") : s);

async function ensureMirror(mirror: string): Promise<void> {
  if (existsSync(join(mirror, "HEAD"))) return;
  mkdirSync(mirror, { recursive: true, mode: 0o700 });
  const r = await outsideGit(mirror, ["init", "-q", "--bare", mirror]);
  if (r.code !== 0) throw new Error(`cannot create the git mirror: ${r.err}`);
}

/** An http(s) remote's host (with its port) when the project's network profile allows it. */
export async function checkRemote(
  url: string,
  jail: GitJail,
  projectDir: string,
): Promise<Result<{ host: string; authority: string }>> {
  const parsed = v.safeParse(remoteUrl, url);
  if (!parsed.success)
    return fail(
      "validation_failed",
      `the remote's URL ${JSON.stringify(url.slice(0, 200))} is not an http(s) URL (only those are supported)`,
    );
  const u = new URL(url);
  const port = Number(u.port || (u.protocol === "https:" ? 443 : 80));
  const host = normalizeHost(u.hostname);
  if (!host.ok) return fail("validation_failed", `the remote's host: ${host.error.message}`);
  const policy = projectPolicy(jail.profile, projectDir, { overrideDirs: defaultOverrideDirs(process.env) });
  if (!policy.ok) return policy;
  const net = policy.value.network;
  const refuse = (why: string) =>
    fail(
      "host_not_allowed",
      `${host.value.host}:${port} is not allowed by the project's network profile (${jail.profile}): ${why}`,
    );
  if (net.mode === "none") return refuse("the profile has no network");
  if (net.mode === "proxy") {
    if (!net.ports.connect.includes(port)) return refuse("port not allowed");
    if (!hostAllowed(net.allow, host.value)) return refuse("host not in network.allow");
    if (host.value.kind === "name" && net.block_private) {
      let address: string;
      try {
        address = await resolverWithOverrides(process.env.OCTO_EGRESS_HOSTS)(host.value.host);
      } catch {
        return refuse("the name does not resolve");
      }
      if (isPrivateAddress(address)) return refuse("it resolves to a private address");
    }
  }
  return ok({ host: host.value.host, authority: u.host });
}

/** A remote's failure, by cause. */
function remoteFailure(what: string, r: Outside): Result<never> {
  // `push --porcelain` reports a refused ref on stdout.
  const e = `${r.out}\n${r.err}`;
  if (/non-fast-forward|\(fetch first\)|\[rejected\]/.test(e))
    return fail("git_non_fast_forward", `the remote has commits this branch does not: pull first (${what})`);
  if (
    /Authentication failed|could not read Username|could not read Password|HTTP 401|HTTP 403|returned error: 40[13]|terminal prompts disabled/i.test(
      e,
    )
  )
    return fail(
      "git_auth_failed",
      `the remote refused the credential for this host: add or correct it under Account → Git credentials (${what})`,
    );
  if (/not found|does not appear to be a git repository|HTTP 404|returned error: 404/i.test(e))
    return fail("not_found", `no repository at the remote's URL (${what})`);
  return fail("upstream_failed", `git ${what}: ${e.trim().slice(0, 400)}`);
}

const person = (a: Person) => ({
  GIT_AUTHOR_NAME: a.name,
  GIT_AUTHOR_EMAIL: a.email,
  GIT_COMMITTER_NAME: a.name,
  GIT_COMMITTER_EMAIL: a.email,
});

/** The remote's URL and the current branch, read inside the sandbox. */
async function where(dir: string, jail: GitJail, remote: string) {
  const [url, branch, head, upstream] = await jailedGit(dir, jail, [
    { args: ["config", "--get", `remote.${remote}.url`] },
    { args: ["symbolic-ref", "-q", "--short", "HEAD"] },
    { args: ["rev-parse", "--verify", "-q", "HEAD"] },
    { args: ["rev-parse", "--abbrev-ref", "--symbolic-full-name", "@{upstream}"] },
  ]);
  const up = upstream?.code === 0 ? upstream.out.trim() : "";
  return {
    url: url?.code === 0 ? url.out.trim() : null,
    branch: branch?.code === 0 ? branch.out.trim() : null,
    head: head?.code === 0 ? head.out.trim() : null,
    /** The branch's upstream on this remote (`origin/main` → `main`), if it has one there. */
    upstream: up.startsWith(`${remote}/`) ? up.slice(remote.length + 1) : null,
  };
}

export async function remoteAction(
  dir: string,
  jail: GitJail,
  a: RemoteAction & { author?: Person },
): Promise<Result<unknown>> {
  const w = await where(dir, jail, a.remote);
  if (!w.url) return fail("not_found", `this repository has no remote named ${a.remote}`);
  if (a.do === "remote_url") {
    const u = URL.canParse(w.url) ? new URL(w.url) : null;
    return ok({ url: w.url, host: u && /^https?:$/.test(u.protocol) ? u.host : null });
  }
  const checked = await checkRemote(w.url, jail, dir);
  if (!checked.ok) return checked;
  const cred = a.credential ? { host: checked.value.authority, ...a.credential } : undefined;
  const mirror = mirrorDirFor(dir);
  await ensureMirror(mirror);
  const ns = `refs/m/${a.remote}`;
  if (a.do === "push") {
    if (!w.branch || !w.head) return fail("conflict", "nothing to push: not on a branch with commits");
    const sent = await bundleInto(dir, jail, mirror, a.remote);
    if (!sent.ok) return sent;
    const r = await outsideGit(
      mirror,
      ["push", "--porcelain", w.url, `${w.head}:refs/heads/${w.branch}`],
      cred,
    );
    if (r.code !== 0) return remoteFailure("push", r);
    // The project's view of the remote follows (its tracking ref; an upstream when it had none).
    await jailedGit(dir, jail, [
      { args: ["update-ref", `refs/remotes/${a.remote}/${w.branch}`, w.head] },
      { args: ["config", `branch.${w.branch}.remote`, a.remote] },
      { args: ["config", `branch.${w.branch}.merge`, `refs/heads/${w.branch}`] },
    ]);
    return ok({ pushed: w.head, branch: w.branch, remote: a.remote });
  }
  const f = await outsideGit(
    mirror,
    ["fetch", "-q", "--prune", "--no-tags", w.url, `+refs/heads/*:${ns}/*`],
    cred,
  );
  if (f.code !== 0) return remoteFailure("fetch", f);
  const into: GitJail = { ...jail, readOnly: [{ src: mirror, dst: MIRROR_IN_SANDBOX }] };
  const fetchCmd = {
    args: ["fetch", "-q", "--no-tags", "--prune", MIRROR_IN_SANDBOX, `+${ns}/*:refs/remotes/${a.remote}/*`],
  };
  if (a.do === "fetch") {
    const [r] = await jailedGit(dir, into, [fetchCmd]);
    return r?.code === 0
      ? ok({ remote: a.remote })
      : fail("internal", `git fetch from the mirror: ${r?.err.slice(0, 300)}`);
  }
  if (!w.branch) return fail("conflict", "not on a branch: switch to one before pulling");
  const from = w.upstream ?? w.branch;
  const [fr, merge, unmerged] = await jailedGit(
    dir,
    into,
    [
      fetchCmd,
      { args: ["merge", "--no-edit", "--no-stat", `refs/remotes/${a.remote}/${from}`] },
      { args: ["diff", "--name-only", "-z", "--diff-filter=U"] },
    ],
    { env: a.author ? person(a.author) : {} },
  );
  if (fr?.code !== 0) return fail("internal", `git fetch from the mirror: ${fr?.err.slice(0, 300)}`);
  if (merge?.code === 0)
    return ok({ branch: w.branch, remote: a.remote, merged: !/Already up to date/.test(merge.out) });
  const text = `${merge?.out}\n${merge?.err}`;
  const files = (unmerged?.out ?? "").split("\0").filter(Boolean);
  if (files.length > 0 || /CONFLICT|Automatic merge failed/.test(text)) {
    await jailedGit(dir, jail, [{ args: ["merge", "--abort"] }]);
    return fail(
      "git_conflict",
      `pulling ${a.remote}/${from} conflicts with local commits in ${files.join(", ") || "some files"}; nothing was changed`,
    );
  }
  if (/would be overwritten|commit your changes or stash/i.test(text))
    return fail(
      "git_conflict",
      `local changes would be overwritten by the pull: commit or discard them first (${merge?.err.slice(0, 300)})`,
    );
  if (/couldn't find remote ref|not something we can merge/.test(text))
    return fail("not_found", `the remote has no branch ${from}`);
  return fail("conflict", `git merge: ${text.trim().slice(0, 400)}`);
}

/**
 * The commits to push, into the mirror: the sandbox writes a bundle (what the remote's tracking refs
 * lack, else everything) to its stdout; the mirror takes it as a pack (data, no config of the
 * project's). A bundle whose prerequisites the mirror lacks is sent again whole.
 */
async function bundleInto(dir: string, jail: GitJail, mirror: string, remote: string): Promise<Result<void>> {
  const file = join(mirror, "incoming.bundle");
  for (const thin of [true, false]) {
    const [b] = await jailedGit(dir, jail, [
      { args: ["bundle", "create", "-q", "-", "HEAD", ...(thin ? ["--not", `--remotes=${remote}`] : [])] },
    ]);
    if (b?.code !== 0) {
      if (thin && /empty bundle/i.test(b?.err ?? "")) return ok(undefined); // nothing new: the remote's already
      if (thin) continue;
      return fail("internal", `git bundle: ${b?.err.slice(0, 300)}`);
    }
    writeFileSync(file, b.bytes, { mode: 0o600 });
    const u = await outsideGit(mirror, ["bundle", "unbundle", file]);
    rmSync(file, { force: true });
    if (u.code === 0) return ok(undefined);
    if (!thin) return fail("internal", `the mirror could not take the bundle: ${u.err.slice(0, 300)}`);
  }
  return ok(undefined);
}

/** octo's own folder (`.octo/project.toml`) stays out of a cloned repository's status. */
function excludeOcto(dir: string): void {
  try {
    const fd = openSync(
      join(dir, ".git", "info", "exclude"),
      constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW,
      0o644,
    );
    try {
      writeSync(fd, "\n/.octo/\n");
    } finally {
      closeSync(fd);
    }
  } catch {
    // not essential
  }
}

/**
 * Clones into an empty project folder: fetched into the mirror outside, then in the sandbox a new
 * repository takes the mirror's objects and checks the branch out. On failure the folder is
 * emptied (the server then removes the project).
 */
export async function cloneInto(
  dir: string,
  jail: GitJail,
  url: string,
  branch: string | undefined,
  credential?: Credential,
): Promise<Result<{ branch: string; head: string }>> {
  const checked = await checkRemote(url, jail, dir);
  if (!checked.ok) return checked;
  const leftover = readdirSync(dir).filter((n) => n !== ".octo" && n !== "AGENTS.md");
  if (leftover.includes(".git")) return fail("conflict", "this project is already a git repository");
  const cred = credential ? { host: checked.value.authority, ...credential } : undefined;
  const mirror = mirrorDirFor(dir);
  rmSync(mirror, { recursive: true, force: true });
  await ensureMirror(mirror);
  const ns = "refs/m/origin";
  const result = await (async (): Promise<Result<{ branch: string; head: string }>> => {
    let b = branch;
    if (!b) {
      const ls = await outsideGit(mirror, ["ls-remote", "--symref", url, "HEAD"], cred);
      if (ls.code !== 0) return remoteFailure("clone", ls);
      b = ls.out.match(/^ref: refs\/heads\/(\S+)\tHEAD/m)?.[1] ?? "main";
    }
    const f = await outsideGit(mirror, ["fetch", "-q", "--no-tags", url, `+refs/heads/*:${ns}/*`], cred);
    if (f.code !== 0) return remoteFailure("clone", f);
    const into: GitJail = { ...jail, readOnly: [{ src: mirror, dst: MIRROR_IN_SANDBOX }] };
    // The new project's template AGENTS.md gives way to the repository's; octo's own folder stays untracked.
    rmSync(join(dir, "AGENTS.md"), { force: true });
    const rs: GitOut[] = await jailedGit(dir, into, [
      { args: ["init", "-q"] },
      { args: ["symbolic-ref", "HEAD", `refs/heads/${b}`] },
      { args: ["remote", "add", "origin", url] },
      { args: ["fetch", "-q", "--no-tags", MIRROR_IN_SANDBOX, `+${ns}/*:refs/remotes/origin/*`] },
      { args: ["reset", "-q", "--hard", `refs/remotes/origin/${b}`] },
      { args: ["branch", "-q", `--set-upstream-to=origin/${b}`] },
      { args: ["rev-parse", "HEAD"] },
    ]);
    const bad = rs.find((r) => r.code !== 0);
    if (bad) {
      if (/unknown revision|ambiguous argument/.test(bad.err))
        return fail("not_found", `the remote has no branch ${b}`);
      return fail("internal", `git clone: ${bad.err.slice(0, 300)}`);
    }
    excludeOcto(dir);
    return ok({ branch: b, head: (rs.at(-1) as GitOut).out.trim() });
  })().catch((e: Error) => fail("internal", `git clone: ${e.message}`));
  if (!result.ok) {
    rmSync(join(dir, ".git"), { recursive: true, force: true });
    rmSync(mirror, { recursive: true, force: true });
  }
  return result;
}

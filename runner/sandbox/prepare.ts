import { existsSync, lstatSync, mkdirSync, readFileSync, realpathSync, statSync } from "node:fs";
import { join } from "node:path";
import { fail, ok, type Result } from "../../src/protocol/errors.ts";
import type { SandboxPolicy } from "../../src/protocol/sandbox.ts";
import { whichTool } from "../../src/shared/host-tools.ts";
import { loadProfile, type ProfileSourceOptions } from "../../src/shared/profiles.ts";
import type { ReadOnlyBind, SandboxTools } from "./argv.ts";
import { PROTECTED_DESTINATIONS } from "./layout.ts";
import { mergeProjectPolicy } from "./merge.ts";

function realDirectory(path: string, what: string): Result<string> {
  try {
    const real = realpathSync(path);
    if (!statSync(real).isDirectory()) return fail("bad_request", `${what} ${path} is not a directory`);
    return ok(real);
  } catch {
    return fail("bad_request", `${what} ${path} does not exist`);
  }
}

/** Real project path; with a workspace root it must lie strictly inside it after resolving symlinks. */
export function resolveProject(project: string, workspaceRoot?: string): Result<string> {
  const real = realDirectory(project, "project");
  if (!real.ok) return real;
  if (workspaceRoot === undefined) return real;
  const root = realDirectory(workspaceRoot, "workspace root");
  if (!root.ok) return root;
  if (!real.value.startsWith(`${root.value}/`))
    return fail(
      "path_outside_workspace",
      `project ${project} (${real.value}) is not inside workspace root ${root.value}`,
    );
  return real;
}

/**
 * The profile tightened by the project's `.octo/sandbox.toml`. Creates an empty `.octo/` when it is
 * missing: it is bound read-only inside, and a missing one could be created by the agent and
 * become policy on the next start.
 */
export function projectPolicy(
  profile: string,
  project: string,
  sources: ProfileSourceOptions,
): Result<SandboxPolicy> {
  const base = loadProfile(profile, sources);
  if (!base.ok) return base;
  const octoDir = join(project, ".octo");
  if (!existsSync(octoDir)) mkdirSync(octoDir, { mode: 0o755 });
  const dirStat = lstatSync(octoDir);
  if (!dirStat.isDirectory()) return fail("sandbox_policy_invalid", `${octoDir} must be a plain directory`);
  const file = join(octoDir, "sandbox.toml");
  if (!existsSync(file)) return base;
  if (!lstatSync(file).isFile()) return fail("sandbox_policy_invalid", `${file} must be a plain file`);
  return mergeProjectPolicy(base.value, readFileSync(file, "utf8"), file);
}

export function validateExtraBinds(
  binds: ReadOnlyBind[],
  flag: "--ro" | "--rw" = "--ro",
): Result<ReadOnlyBind[]> {
  const out: ReadOnlyBind[] = [];
  for (const bind of binds) {
    const clash = PROTECTED_DESTINATIONS.some(
      (p) => bind.dst === p || (p !== "/" && bind.dst.startsWith(`${p}/`)) || p.startsWith(`${bind.dst}/`),
    );
    if (clash)
      return fail("bad_request", `${flag} ${bind.src}=${bind.dst}: destination is reserved by the sandbox`);
    try {
      out.push({ src: realpathSync(bind.src), dst: bind.dst });
    } catch {
      return fail("bad_request", `${flag} ${bind.src}=${bind.dst}: source does not exist`);
    }
  }
  return ok(out);
}

const which = (name: string) => whichTool(name);

export interface ToolNeeds {
  limits: boolean;
  nice?: boolean;
  relay: boolean;
}

/** Finds the host programs; a policy that needs a missing one cannot be enforced, so it is an error. */
export function locateTools(needs: ToolNeeds): Result<SandboxTools> {
  const bwrap = which("bwrap");
  const prlimit = which("prlimit");
  const nice = which("nice");
  const socat = which("socat");
  const sh = existsSync("/bin/sh") ? "/bin/sh" : which("sh");
  if (!bwrap) return fail("sandbox_unavailable", "bwrap not found (Debian package bubblewrap)");
  if (needs.limits && !prlimit)
    return fail("sandbox_unavailable", "limits need prlimit (Debian package util-linux)");
  if (needs.nice && !nice)
    return fail("sandbox_unavailable", "limits.nice needs nice (Debian package coreutils)");
  if (needs.relay && !socat)
    return fail("sandbox_unavailable", "the network relay needs socat (Debian package socat)");
  if (needs.relay && !sh) return fail("sandbox_unavailable", "the network relay needs /bin/sh");
  return ok({
    bwrap,
    prlimit: prlimit ?? "prlimit",
    nice: nice ?? "nice",
    socat: socat ?? "socat",
    sh: sh ?? "/bin/sh",
  });
}

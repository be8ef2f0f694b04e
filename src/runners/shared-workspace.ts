import { chownSync, existsSync, lstatSync, mkdirSync, renameSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fail, ok, type Result } from "../protocol/errors.ts";
import type { Logger } from "../shared/log.ts";
import { AGENT_HOME } from "../shared/paths.ts";
import { ensureAgentAccount, moveLegacyWorkspace, runningAsRoot } from "./agent-account.ts";

/**
 * Single-user start-up, before any runner is asked for a project: as root, root's old `~/octo`
 * moves to the agent account's workspace (decision 0016); then the per-user layout is settled.
 */
export function prepareSharedWorkspace(
  paths: { workspaceDir: string; rootHome: string },
  projects: { username: string; slug: string }[],
  log: Logger,
): Result<{ moved: number }> {
  // Only when the workspace is the agent account's default did root's `~/octo` stop being it.
  if (runningAsRoot() && paths.workspaceDir === join(AGENT_HOME, "octo")) {
    const account = ensureAgentAccount();
    if (!account.ok) return account;
    const moved = moveLegacyWorkspace(join(paths.rootHome, "octo"), paths.workspaceDir, account.value);
    if (!moved.ok) return moved;
  }
  return settleSharedWorkspace(paths.workspaceDir, projects, log);
}

/** Written once the workspace has one folder per platform user; its absence means "older layout". */
export const LAYOUT_MARKER = ".octo-layout";
const LAYOUT = "per-user 1\n";

/**
 * Single-user mode: before, every platform user's projects shared `<workspace>/<slug>`; now they
 * live in `<workspace>/<username>/<slug>`. Once per workspace (then a marker says so), each project
 * of the database whose folder is still flat moves into its owner's folder — first all to hidden
 * staging names, so a project called like a user name cannot be in the way. Runs at server start,
 * before any runner is asked for a project; the server and the workspace share a host in this mode.
 */
export function settleSharedWorkspace(
  workspaceDir: string,
  projects: { username: string; slug: string }[],
  log: Logger,
): Result<{ moved: number }> {
  const marker = join(workspaceDir, LAYOUT_MARKER);
  if (existsSync(marker)) return ok({ moved: 0 });
  if (!existsSync(workspaceDir)) {
    mkdirSync(workspaceDir, { recursive: true, mode: 0o700 });
    writeFileSync(marker, LAYOUT, { mode: 0o644 });
    return ok({ moved: 0 });
  }
  const owner = statSync(workspaceDir);
  const staged: { from: string; username: string; slug: string }[] = [];
  try {
    for (const p of projects) {
      const flat = join(workspaceDir, p.slug);
      if (!isDir(flat) || existsSync(join(workspaceDir, p.username, p.slug))) continue;
      const stage = join(workspaceDir, `.octo-move-${staged.length}-${p.slug}`);
      renameSync(flat, stage);
      staged.push({ from: stage, username: p.username, slug: p.slug });
    }
    for (const s of staged) {
      const userDir = join(workspaceDir, s.username);
      if (!existsSync(userDir)) {
        mkdirSync(userDir, { mode: 0o700 });
        chownSync(userDir, owner.uid, owner.gid);
      }
      renameSync(s.from, join(userDir, s.slug));
      log.info("moved a project into its owner's folder", { user: s.username, project: s.slug });
    }
  } catch (e) {
    return fail(
      "internal",
      `moving projects into per-user folders in ${workspaceDir} failed: ${(e as Error).message}`,
    );
  }
  writeFileSync(marker, LAYOUT, { mode: 0o644 });
  chownSync(marker, owner.uid, owner.gid);
  return ok({ moved: staged.length });
}

function isDir(path: string): boolean {
  try {
    return lstatSync(path).isDirectory();
  } catch {
    return false;
  }
}

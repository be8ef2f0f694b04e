import { realpathSync, statSync } from "node:fs";
import { relative } from "node:path";
import { fail, ok, type Result } from "../src/protocol/errors.ts";

/**
 * A project directory is usable only if it resolves (symlinks followed) to a directory strictly
 * inside the runner's workspace. Returns the resolved path, which is what gets sandboxed.
 */
export function confineProject(project: string, workspaceRoot: string): Result<string> {
  let root: string;
  let resolved: string;
  try {
    root = realpathSync(workspaceRoot);
  } catch {
    return fail("internal", `workspace ${workspaceRoot} does not exist`);
  }
  try {
    resolved = realpathSync(project);
  } catch {
    // Say "outside" when it is, even if it also does not exist: never reveal what exists elsewhere.
    const rel = relative(root, project);
    if (rel === "" || rel.startsWith("..") || rel.startsWith("/"))
      return fail("path_outside_workspace", `project ${project} is outside the workspace ${workspaceRoot}`);
    return fail("not_found", `project ${project} does not exist`);
  }
  const rel = relative(root, resolved);
  if (rel === "" || rel.startsWith("..") || rel.startsWith("/"))
    return fail("path_outside_workspace", `project ${project} is outside the workspace ${workspaceRoot}`);
  if (!statSync(resolved).isDirectory()) return fail("bad_request", `project ${project} is not a directory`);
  return ok(resolved);
}

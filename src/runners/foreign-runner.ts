import { realpathSync } from "node:fs";
import { resolve } from "node:path";
import { fail, ok, type Result } from "../protocol/errors.ts";
import type { Logger } from "../shared/log.ts";
import { isAlive } from "../shared/proctree.ts";
import type { RunnerClient } from "./client.ts";

const canonical = (path: string): string => {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
};

/**
 * The workspace a connected runner serves when it is not `workspaceDir` — a runner left over from
 * another octo instance (another data dir, or `local.workspace_dir` changed since it started).
 * Undefined when it matches, or when the runner predates reporting its workspace.
 */
export function foreignWorkspace(client: RunnerClient, workspaceDir: string): string | undefined {
  const theirs = client.runnerWorkspace;
  if (theirs === null) return undefined;
  return canonical(theirs) === canonical(workspaceDir) ? undefined : theirs;
}

/**
 * Stop a runner we must not use: SIGTERM (it stops its processes and exits), SIGKILL if it is
 * still there after `graceMs`. Resolves once the process is gone.
 */
export async function retireRunner(pid: number, log: Logger, graceMs = 5_000): Promise<Result<void>> {
  const gone = async (ms: number) => {
    const deadline = Date.now() + ms;
    let wait = 5;
    while (isAlive(pid)) {
      if (Date.now() > deadline) return false;
      await Bun.sleep(wait);
      wait = Math.min(wait * 2, 100);
    }
    return true;
  };
  try {
    process.kill(pid, "SIGTERM");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ESRCH") return ok(undefined);
    return fail("runner_unavailable", `cannot stop the old runner (pid ${pid}): ${(e as Error).message}`);
  }
  if (await gone(graceMs)) return ok(undefined);
  log.warn("old runner ignored SIGTERM; killing it", { pid });
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // exited meanwhile
  }
  return (await gone(2_000))
    ? ok(undefined)
    : fail("runner_unavailable", `the old runner (pid ${pid}) does not exit`);
}

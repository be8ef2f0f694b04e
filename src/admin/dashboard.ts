import type { Database } from "bun:sqlite";
import { statfsSync } from "node:fs";
import type { AdminStatus } from "../protocol/api.ts";
import type { RunnerManager } from "../runners/manager.ts";
import { llmUsageRepo } from "../storage/llm.ts";
import { usersRepo } from "../storage/users.ts";

/** What the operator's dashboard (Admin → Status, `octoctl status`) is built from. */
export interface DashboardDeps {
  db: Database;
  runners: Pick<RunnerManager, "status">;
  version: string;
  mode: AdminStatus["mode"];
  startedAt: number;
  dirs: { data: string; workspaces: string };
  now?: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

function disk(label: "data" | "workspaces", path: string): AdminStatus["disks"][number] {
  try {
    const s = statfsSync(path);
    return { label, path, free_bytes: s.bavail * s.bsize, total_bytes: s.blocks * s.bsize };
  } catch {
    // Not created yet, or not readable by the server (multi-user workspaces): say "unknown".
    return { label, path, free_bytes: null, total_bytes: null };
  }
}

export async function operatorStatus(deps: DashboardDeps): Promise<Omit<AdminStatus, "isolation">> {
  const now = deps.now ?? Date.now();
  return {
    version: deps.version,
    runtime: `Bun ${Bun.version}`,
    mode: deps.mode,
    uptime_ms: now - deps.startedAt,
    users: usersRepo(deps.db).count(),
    runners: await deps.runners.status(),
    disks: [disk("data", deps.dirs.data), disk("workspaces", deps.dirs.workspaces)],
    llm_errors: llmUsageRepo(deps.db).errorsSince(now - DAY_MS),
  };
}

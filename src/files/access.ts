import type { Database } from "bun:sqlite";
import { fail, ok, type Result } from "../protocol/errors.ts";
import type { RunnerClient } from "../runners/client.ts";
import type { RunnerManager } from "../runners/manager.ts";
import type { Placement } from "../runners/placement.ts";
import { projectsRepo } from "../storage/projects.ts";

/** Who is asking: every project id is checked against this. */
export interface Caller {
  id: string;
  username: string;
}

/** What file operations need of a runner: ops, watch pushes, and whether its connection is alive. */
export type FileRunner = Pick<RunnerClient, "fs" | "onFileEvent" | "onStateChange" | "connectionState">;

/** A project the caller owns, with the runner that serves its folder and the folder's name there. */
export interface ProjectFiles {
  projectId: string;
  /** The project's folder in the runner's workspace (one segment: the slug). */
  folder: string;
  runner: FileRunner;
}

export interface FileAccess {
  /** `not_found` for a missing project and for someone else's, alike. */
  open(caller: Caller, projectId: string): Promise<Result<ProjectFiles>>;
}

export interface FileAccessWiring {
  db: Database;
  runners: Pick<RunnerManager, "forUser">;
  placement: Placement;
}

/** Projects from the main database, files through the owner's runner (never the server's own fs). */
export function fileAccess(w: FileAccessWiring): FileAccess {
  return {
    async open(caller, projectId) {
      const row = projectsRepo(w.db).byId(projectId);
      if (!row || row.user_id !== caller.id) return fail("not_found", "no such project");
      const placement = w.placement.project(caller.username, row.slug);
      const runner = await w.runners.forUser(placement.runnerUser);
      if (!runner.ok) return runner;
      return ok({ projectId: row.id, folder: row.slug, runner: runner.value });
    },
  };
}

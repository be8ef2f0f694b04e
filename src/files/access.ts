import { ok, type Result } from "../protocol/errors.ts";
import type { RunnerClient } from "../runners/client.ts";
import type { RunnerManager } from "../runners/manager.ts";
import type { Placement } from "../runners/placement.ts";

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
  /** The caller's own project; `not_found` for a missing one and for someone else's alike. */
  project: (caller: Caller, projectId: string) => Result<{ id: string; slug: string }>;
  runners: Pick<RunnerManager, "forUser">;
  placement: Placement;
}

/** Projects from the projects domain, files through the owner's runner (never the server's own fs). */
export function fileAccess(w: FileAccessWiring): FileAccess {
  return {
    async open(caller, projectId) {
      const project = w.project(caller, projectId);
      if (!project.ok) return project;
      const row = project.value;
      const placement = w.placement.project(caller.username, row.slug);
      const runner = await w.runners.forUser(placement.runnerUser);
      if (!runner.ok) return runner;
      return ok({ projectId: row.id, folder: placement.folder, runner: runner.value });
    },
  };
}

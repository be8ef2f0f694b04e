import { ok, type Result } from "../protocol/errors.ts";
import type { RunnerClient } from "../runners/client.ts";
import type { RunnerManager } from "../runners/manager.ts";
import type { Placement } from "../runners/placement.ts";
import type { Need, ProjectOwner } from "../sharing/access.ts";

/** Who is asking: every project id is checked against this. */
export interface Caller {
  id: string;
  username: string;
}

/** What file operations need of a runner: ops, watch pushes, and whether its connection is alive. */
export type FileRunner = Pick<RunnerClient, "fs" | "onFileEvent" | "onStateChange" | "connectionState">;

/** A project the caller may use, with the runner that serves its folder and the folder's name there. */
export interface ProjectFiles {
  projectId: string;
  /** The project's folder in the runner's workspace (one segment: the slug). */
  folder: string;
  runner: FileRunner;
  /** A member acting in someone else's project (decision 0030): their changes are recorded. */
  member: boolean;
}

/** Reading needs `read` (viewers too), changing needs `write` (editors and the owner). */
export type FilesNeed = Extract<Need, "read" | "write">;

export interface FileAccess {
  /** `not_found` for a missing project and for someone else's alike; `forbidden` for a viewer's write. */
  open(caller: Caller, projectId: string, need?: FilesNeed): Promise<Result<ProjectFiles>>;
  /** Whether the caller still may (re-checked when someone's access changes, to end their watches). */
  allowed(caller: Caller, projectId: string, need: FilesNeed): boolean;
  /** A member changed a file (decision 0030): who, what and where, kept with the project. */
  record?(caller: Caller, projectId: string, op: string, path: string): void;
}

export interface FileAccessWiring {
  /** The project if the caller's role meets `need`, with its owner (whose runner serves it). */
  project: (
    caller: Caller,
    projectId: string,
    need: FilesNeed,
  ) => Result<{ row: { id: string; slug: string }; owner: ProjectOwner }>;
  runners: Pick<RunnerManager, "forUser">;
  placement: Placement;
  record?: FileAccess["record"];
}

/**
 * Projects from the projects domain, files through the OWNER's runner (never the server's own fs):
 * in multi-user mode a shared project's files stay owned by its owner's Linux account.
 */
export function fileAccess(w: FileAccessWiring): FileAccess {
  return {
    allowed: (caller, projectId, need) => w.project(caller, projectId, need).ok,
    record: w.record,
    async open(caller, projectId, need = "write") {
      const project = w.project(caller, projectId, need);
      if (!project.ok) return project;
      const { row, owner } = project.value;
      const placement = w.placement.project(owner.username, row.slug);
      const runner = await w.runners.forUser(placement.runnerUser);
      if (!runner.ok) return runner;
      return ok({
        projectId: row.id,
        folder: placement.folder,
        runner: runner.value,
        member: owner.id !== caller.id,
      });
    },
  };
}

import type { Database } from "bun:sqlite";
import type { Logger } from "../log.ts";
import { fail, ok } from "../protocol/errors.ts";
import type { RunnerManager } from "../runners/manager.ts";
import type { ServerMode } from "../server/context.ts";
import { placementFor } from "../sessions/launch.ts";
import { projectsRepo } from "../storage/projects.ts";
import { TerminalService } from "./service.ts";

export interface TerminalWiring {
  db: Database;
  runners: RunnerManager;
  mode: ServerMode;
  paths: { workspaceDir: string; socketDir: string };
  log: Logger;
  maxPerUser?: number;
}

/** The server's terminal service: projects from the main database, shells on each user's runner. */
export function createTerminalService(w: TerminalWiring): TerminalService {
  return new TerminalService({
    runners: w.runners,
    findProject(caller, projectId) {
      const row = projectsRepo(w.db).byId(projectId);
      return row && row.user_id === caller.id ? ok(row) : fail("not_found", "no such project");
    },
    projectDir: (caller, project) => placementFor(w.mode, w.paths, caller.username, project.slug).projectDir,
    log: w.log.child({ component: "terminals" }),
    maxPerUser: w.maxPerUser,
  });
}

import type { Database } from "bun:sqlite";
import { fail, ok } from "../protocol/errors.ts";
import type { RunnerManager } from "../runners/manager.ts";
import type { Placement } from "../runners/placement.ts";
import type { Logger } from "../shared/log.ts";
import { projectsRepo } from "../storage/projects.ts";
import { TerminalService } from "./service.ts";

export interface TerminalWiring {
  db: Database;
  runners: RunnerManager;
  placement: Placement;
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
    projectDir: (caller, project) => w.placement.project(caller.username, project.slug).projectDir,
    log: w.log.child({ component: "terminals" }),
    maxPerUser: w.maxPerUser,
  });
}

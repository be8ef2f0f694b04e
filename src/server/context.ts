import type { Database } from "bun:sqlite";
import type { SignIns } from "../auth/sign-ins.ts";
import type { LoadedConfig, ServerMode } from "../config/index.ts";
import type { RunnerManager } from "../runners/manager.ts";
import type { Placement } from "../runners/placement.ts";
import type { Logger } from "../shared/log.ts";
import type { TerminalService } from "../terminals/service.ts";
import type { Services } from "./services.ts";

/**
 * Everything a request handler may reach, built once at start-up and passed explicitly.
 * Domain modules take only the pieces they need, never the whole context.
 */
export interface ServerContext {
  config: LoadedConfig;
  db: Database;
  log: Logger;
  version: string;
  mode: ServerMode;
  /** Where each user's runner, project folders and LLM socket are. */
  placement: Placement;
  /** HMAC key for session JWTs; loaded or generated at start-up, never logged. */
  jwtSecret: string;
  /** Live sign-ins: ending them closes the user's sockets and terminals at once. */
  signIns: SignIns;
  startedAt: number;
  /** "The runner for user X" (lazy: nothing starts until first use or `warmUpRunners`). */
  runners: RunnerManager;
  /** Shells in project sandboxes (the mux `terminal` channel; project deletion closes them). */
  terminals: TerminalService;
  /** Projects, sessions, history, LLM: the domain behind routes and the mux. */
  services: Services;
}

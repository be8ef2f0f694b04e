import type { Database } from "bun:sqlite";
import type { SignIns } from "../auth/sign-ins.ts";
import type { LoadedConfig } from "../config/index.ts";
import type { Logger } from "../log.ts";
import type { RunnerManager } from "../runners/manager.ts";
import type { TerminalService } from "../terminals/service.ts";
import type { Services } from "./services.ts";

export type ServerMode = "single-user" | "multi-user";

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

export const modeOf = (config: LoadedConfig): ServerMode =>
  config.local.single_user && !config.local.linux_users.enabled ? "single-user" : "multi-user";

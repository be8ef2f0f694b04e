import { join } from "node:path";
import type { ServerMode } from "../config/mode.ts";
import { LLM_SOCKET_MODE, multiUserLlmSocket } from "../shared/llm-socket-layout.ts";
import { workspaceFor } from "../shared/runner-layout.ts";
import { LOCAL_RUNNER_USER } from "./manager.ts";

/** Where one project of one platform user lives. */
export interface ProjectPlace {
  /** The runner that serves this platform user. */
  runnerUser: string;
  /** The project folder as the runner sees it. */
  projectDir: string;
  /** The same folder relative to the runner's workspace (what its `fs.*` ops take). */
  folder: string;
  /** The LLM proxy socket the sandbox binds in, and its mode. */
  llmSocket: string;
  llmSocketMode: number;
}

/** "Where are user X's things": the one answer every part of the server asks, built once. */
export interface Placement {
  readonly mode: ServerMode;
  runnerUser(username: string): string;
  project(username: string, slug: string): ProjectPlace;
}

/**
 * Single-user: one runner as the invoking user (as root: the agent account, decision 0011), and
 * each platform user's projects in their own folder of the configured workspace,
 * `<workspace>/<username>/<slug>` (`settleSharedWorkspace` moves an older flat layout). Multi-user: runner
 * `octo_<name>`, workspace /home/octo_<name>/octo, and a per-user LLM socket (0660, group
 * octo_<name>: see `src/shared/llm-socket-layout.ts`) on which the proxy only accepts that user's
 * session tokens.
 */
export function createPlacement(
  mode: ServerMode,
  paths: { workspaceDir: string; socketDir: string },
): Placement {
  if (mode === "single-user") {
    return {
      mode,
      runnerUser: () => LOCAL_RUNNER_USER,
      project: (username, slug) => ({
        runnerUser: LOCAL_RUNNER_USER,
        projectDir: join(paths.workspaceDir, username, slug),
        folder: `${username}/${slug}`,
        llmSocket: join(paths.socketDir, "llm.sock"),
        // As root the runner and its sandboxes are the agent account, and the socket directory is
        // that account's own 0700 directory: it is the directory that keeps others out.
        llmSocketMode: process.getuid?.() === 0 ? 0o666 : LLM_SOCKET_MODE.singleUser,
      }),
    };
  }
  return {
    mode,
    runnerUser: (username) => username,
    project: (username, slug) => ({
      runnerUser: username,
      projectDir: join(workspaceFor(username), slug),
      folder: slug,
      llmSocket: multiUserLlmSocket(paths.socketDir, username).path,
      llmSocketMode: LLM_SOCKET_MODE.multiUser,
    }),
  };
}

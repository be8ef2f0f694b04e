import { join } from "node:path";
import { LLM_SOCKET_MODE, multiUserLlmSocket } from "../llm/socket-layout.ts";
import { workspaceFor } from "../runners/layout.ts";
import { LOCAL_RUNNER_USER } from "../runners/manager.ts";
import type { ServerMode } from "../server/context.ts";

/** The placeholder the runner replaces with the in-sandbox LLM relay URL when it writes models.json. */
export const LLM_URL_PLACEHOLDER = "@OCTO_LLM_URL@";

export interface Placement {
  /** The runner that serves this platform user. */
  runnerUser: string;
  /** The project folder as the runner sees it. */
  projectDir: string;
  /** The LLM proxy socket the sandbox binds in, and its mode. */
  llmSocket: string;
  llmSocketMode: number;
}

/**
 * Where a user's things are. Single-user: one runner as the invoking user, the configured workspace.
 * Multi-user: runner `octo_<name>`, workspace /home/octo_<name>/octo, and a per-user LLM socket (0660,
 * group octo_<name>: see `socket-layout.ts`) on which the proxy only accepts that user's session tokens.
 */
export function placementFor(
  mode: ServerMode,
  paths: { workspaceDir: string; socketDir: string },
  username: string,
  slug: string,
): Placement {
  if (mode === "single-user") {
    return {
      runnerUser: LOCAL_RUNNER_USER,
      projectDir: join(paths.workspaceDir, slug),
      llmSocket: join(paths.socketDir, "llm.sock"),
      llmSocketMode: LLM_SOCKET_MODE.singleUser,
    };
  }
  return {
    runnerUser: username,
    projectDir: join(workspaceFor(username), slug),
    llmSocket: multiUserLlmSocket(paths.socketDir, username).path,
    llmSocketMode: LLM_SOCKET_MODE.multiUser,
  };
}

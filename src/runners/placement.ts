import { join } from "node:path";
import type { ServerMode } from "../config/mode.ts";
import { LLM_SOCKET_MODE, llmSocketsDir, multiUserLlmSocket } from "../shared/llm-socket-layout.ts";
import { workspaceFor } from "../shared/runner-layout.ts";
import { LOCAL_RUNNER_USER } from "./manager.ts";

/**
 * One platform user's gateway directory: the LLM gateway's sockets for that user (`llm.sock`, later
 * `tool.sock`). Sandboxes bind the DIRECTORY, not the socket file: a bind of a socket file keeps
 * naming the old inode once the gateway restarts and recreates it, a bind of its directory always
 * shows the live one.
 */
export interface GatewayPlace {
  dir: string;
  /** The parent of every user's gateway directory. */
  root: string;
  llmSocket: string;
  /** Modes of `root` and `dir`, and of the socket files in it. */
  rootMode: number;
  dirMode: number;
  socketMode: number;
}

/** Where one project of one platform user lives. */
export interface ProjectPlace {
  /** The runner that serves this platform user. */
  runnerUser: string;
  /** The project folder as the runner sees it. */
  projectDir: string;
  /** The user's gateway directory (bound into the sandbox) and the LLM socket in it. */
  gateway: GatewayPlace;
  /** The same folder relative to the runner's workspace (what its `fs.*` ops take). */
  folder: string;
}

/** "Where are user X's things": the one answer every part of the server asks, built once. */
export interface Placement {
  readonly mode: ServerMode;
  runnerUser(username: string): string;
  project(username: string, slug: string): ProjectPlace;
  gateway(username: string): GatewayPlace;
}

/**
 * Single-user: one runner as the invoking user (as root: the agent account, decision 0016), and
 * each platform user's projects in their own folder of the configured workspace,
 * `<workspace>/<username>/<slug>` (`settleSharedWorkspace` moves an older flat layout); every
 * platform user has a gateway directory of their own under `<socketDir>/gateway/` (0700, sockets
 * 0600; as root 0711 and 0666, inside the agent account's own 0700 socket directory, which is what
 * keeps others out). Multi-user: runner `octo_<name>`, workspace /home/octo_<name>/octo, and the
 * gateway directory `<socketDir>/llm/<name>/`, which the system component makes setgid with group
 * `octo_<name>` (see `src/shared/llm-socket-layout.ts`), so the 0660 socket the gateway creates
 * there can be reached by that user's sandboxes and no one else's. In both modes the gateway
 * accepts only that user's session tokens on the user's sockets.
 */
export function createPlacement(
  mode: ServerMode,
  paths: { workspaceDir: string; socketDir: string },
): Placement {
  const single = mode === "single-user";
  const gateway = (username: string): GatewayPlace => {
    if (single) {
      const root = join(paths.socketDir, "gateway");
      const dir = join(root, username);
      // As root the runner and its sandboxes are the agent account (decision 0016), which must
      // reach the gateway's socket; the socket directory around it is that account's own 0700.
      const asRoot = process.getuid?.() === 0;
      const dirMode = asRoot ? 0o711 : 0o700;
      const socketMode = asRoot ? 0o666 : LLM_SOCKET_MODE.singleUser;
      return { dir, root, llmSocket: join(dir, "llm.sock"), rootMode: dirMode, dirMode, socketMode };
    }
    const { dir, path } = multiUserLlmSocket(paths.socketDir, username);
    const root = llmSocketsDir(paths.socketDir);
    return {
      dir,
      root,
      llmSocket: path,
      rootMode: 0o711,
      dirMode: 0o750,
      socketMode: LLM_SOCKET_MODE.multiUser,
    };
  };
  const runnerUser = (username: string) => (single ? LOCAL_RUNNER_USER : username);
  // Single-user: each platform user's projects in a folder of their own in the shared workspace.
  const folderOf = (username: string, slug: string) => (single ? `${username}/${slug}` : slug);
  const projectDir = (username: string, slug: string) =>
    single ? join(paths.workspaceDir, folderOf(username, slug)) : join(workspaceFor(username), slug);
  return {
    mode,
    runnerUser,
    gateway,
    project: (username, slug) => ({
      runnerUser: runnerUser(username),
      projectDir: projectDir(username, slug),
      gateway: gateway(username),
      folder: folderOf(username, slug),
    }),
  };
}

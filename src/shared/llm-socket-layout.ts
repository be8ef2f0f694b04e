import { join } from "node:path";

/**
 * Where the server's per-user LLM sockets live in multi-user mode (`runtimeDir` = /run/octo):
 *   llm/                root 0711                          traversable, not listable
 *     <name>/           <server user>:octo_<name> 2750     made by the system component at runner start
 *       llm.sock        <server user>:octo_<name> 0660     made by the server (group from the setgid dir)
 * Only that user's sandboxes (and the server) can connect; other accounts cannot even reach the path.
 * Single-user mode keeps one 0600 socket in the server's own 0700 socket directory.
 */
export const llmSocketsDir = (runtimeDir: string): string => join(runtimeDir, "llm");

export function multiUserLlmSocket(runtimeDir: string, name: string): { dir: string; path: string } {
  const dir = join(llmSocketsDir(runtimeDir), name);
  return { dir, path: join(dir, "llm.sock") };
}

export const LLM_SOCKET_MODE = { singleUser: 0o600, multiUser: 0o660 } as const;

import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { ServerMode } from "../config/mode.ts";
import type { LlmService } from "./service.ts";
import type { LlmSocket } from "./socket.ts";

/**
 * The LLM sockets agents are launched with: the user's proxy socket, in a directory made first.
 * Single-user: only the server's own user enters it. Multi-user: each `octo_<name>` must pass
 * through (0711, not listable) to reach its own socket.
 */
export interface LlmSockets {
  /** Start (or return) the user's socket at `path` with file mode `mode`, making its directory. */
  open(userId: string, path: string, mode: number): LlmSocket;
}

export const llmSocketDirMode = (mode: ServerMode): number => (mode === "single-user" ? 0o700 : 0o711);

export function createLlmSockets(llm: Pick<LlmService, "ensureSocket">, dirMode: number): LlmSockets {
  return {
    open(userId, path, mode) {
      mkdirSync(dirname(path), { recursive: true, mode: dirMode });
      return llm.ensureSocket(userId, path, mode);
    },
  };
}

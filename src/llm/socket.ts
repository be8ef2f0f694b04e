import { chmodSync, lstatSync, mkdirSync, unlinkSync } from "node:fs";
import { dirname } from "node:path";
import type { LlmProxy } from "./proxy.ts";

/**
 * One unix socket per platform user, bound into that user's sandboxes (`octo-sandbox run
 * --llm-socket PATH`). Only that user's session tokens are accepted on it.
 */

export interface LlmSocketOptions {
  path: string;
  userId: string;
  /** Socket file mode; the caller chowns it when a different Linux user must connect. Default 0600. */
  mode?: number;
}

export interface LlmSocket {
  readonly path: string;
  /** Stop listening; with `drainMs`, let in-flight model streams finish for up to that long. */
  stop(drainMs?: number): Promise<void>;
  /** Requests being answered now (model streams included). */
  pending(): number;
}

export function serveLlmSocket(proxy: LlmProxy, opts: LlmSocketOptions): LlmSocket {
  mkdirSync(dirname(opts.path), { recursive: true, mode: 0o700 });
  removeStaleSocket(opts.path);
  const server = Bun.serve({
    unix: opts.path,
    // The proxy enforces its own body limit and lifts the idle timeout for each streamed call.
    fetch: (request, server) => proxy(request, { userId: opts.userId, server }),
  });
  chmodSync(opts.path, opts.mode ?? 0o600);
  let stopped = false;
  return {
    path: opts.path,
    pending: () => server.pendingRequests,
    async stop(drainMs = 0) {
      if (stopped) return;
      stopped = true;
      // Graceful: no new calls, and streams already flowing may finish (agents keep running across
      // a server restart; cutting their model call would cost the user a failed turn).
      if (drainMs > 0) {
        let timer: ReturnType<typeof setTimeout> | undefined;
        await Promise.race([
          server.stop(false),
          new Promise((resolve) => {
            timer = setTimeout(resolve, drainMs);
          }),
        ]);
        clearTimeout(timer);
      }
      // Bun unlinks the socket file as it stops listening, before any drain: a gateway started
      // meanwhile binds a new file at the same path, which must not be removed here afterwards.
      await server.stop(true);
    },
  };
}

/** A socket file left by an earlier run; anything else at that path is not ours to delete. */
function removeStaleSocket(path: string): void {
  try {
    if (lstatSync(path).isSocket()) unlinkSync(path);
  } catch {
    // Nothing there.
  }
}

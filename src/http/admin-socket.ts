import { chmodSync, existsSync, mkdirSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { fail, ok, type Result } from "../protocol/errors.ts";
import { errorResponse } from "./errors.ts";

/**
 * The admin unix socket: the admin API without a login, for `octoctl` on the server's own host.
 * Trust comes from file permissions (socket 0600, directory 0700): only the server's own user
 * and root can connect. Requests arriving here are marked; the marks cannot be forged over TCP.
 */
const adminSocketRequests = new WeakSet<Request>();

export const isAdminSocketRequest = (request: Request): boolean => adminSocketRequests.has(request);

export const adminSocketPath = (socketDir: string): string => join(socketDir, "admin.sock");

/** The socket answers only the admin API (and health); people's routes need a person. */
const servedHere = (pathname: string) => pathname.startsWith("/api/admin/") || pathname === "/api/health";

export interface AdminSocketOptions {
  path: string;
  handle: (request: Request) => Response | Promise<Response>;
  maxRequestBodySize: number;
}

export interface AdminSocket {
  path: string;
  stop(): Promise<void>;
}

export async function startAdminSocket(opts: AdminSocketOptions): Promise<Result<AdminSocket>> {
  const dir = join(opts.path, "..");
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (existsSync(opts.path)) {
    if (await isLive(opts.path))
      return fail("conflict", `another octo server is already serving ${opts.path}`);
    unlinkSync(opts.path);
  }
  // The socket is created by bind() with the umask's mode: make it owner-only from birth,
  // not after a chmod race. Bun.serve is synchronous, so no other code runs under this umask.
  const previous = process.umask(0o177);
  let server: ReturnType<typeof Bun.serve>;
  try {
    server = Bun.serve({
      unix: opts.path,
      maxRequestBodySize: opts.maxRequestBodySize,
      fetch(request) {
        if (!servedHere(new URL(request.url).pathname))
          return errorResponse("not_found", "the admin socket serves /api/admin/* only");
        adminSocketRequests.add(request);
        return opts.handle(request);
      },
    });
  } catch (e) {
    return fail("internal", `cannot listen on ${opts.path}: ${(e as Error).message}`);
  } finally {
    process.umask(previous);
  }
  chmodSync(opts.path, 0o600);
  return ok({
    path: opts.path,
    async stop() {
      await server.stop(true);
      if (existsSync(opts.path)) unlinkSync(opts.path);
    },
  });
}

async function isLive(path: string): Promise<boolean> {
  try {
    await fetch("http://localhost/api/health", { unix: path, signal: AbortSignal.timeout(2000) });
    return true;
  } catch {
    return false;
  }
}

import { fail, ok, type Result } from "../protocol/errors.ts";
import type { HttpContext } from "./context.ts";

/** Methods that change state: with cookie auth they must come from an allowed Origin (CSRF defence). */
export const isStateChanging = (method: string): boolean => !["GET", "HEAD", "OPTIONS"].includes(method);

const originOf = (url: string): string | null => {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
};

/**
 * The origins a browser may send us state changes from: `server.public_url` when it is set (the
 * Host header is the client's to choose, so it is not trusted then), else our own as addressed in
 * the Host header (over http or https); plus `auth.allowed_origins`.
 */
export function allowedOrigins(ctx: HttpContext, request: Request): Set<string> {
  const publicOrigin = ctx.config.server.public_url ? originOf(ctx.config.server.public_url) : null;
  const out = new Set<string>();
  if (publicOrigin) out.add(publicOrigin);
  else {
    const host = new URL(request.url).host;
    out.add(`http://${host}`);
    out.add(`https://${host}`);
  }
  for (const url of ctx.config.auth.allowed_origins) {
    const origin = originOf(url);
    if (origin) out.add(origin);
  }
  return out;
}

/**
 * Check the Origin header of a cookie-authenticated request (and of the WebSocket upgrade).
 * A missing Origin is refused too: every browser sends one on these requests, so only a
 * non-browser or a stripped request lacks it, and those should use an API key.
 */
export function checkOrigin(ctx: HttpContext, request: Request): Result<null> {
  const origin = request.headers.get("origin");
  if (!origin) {
    return fail(
      "origin_not_allowed",
      "this request needs an Origin header (browsers send one; scripts should use an API key)",
    );
  }
  const normalized = originOf(origin);
  if (!normalized || !allowedOrigins(ctx, request).has(normalized)) {
    return fail(
      "origin_not_allowed",
      `origin ${origin} may not make this request (add it to [auth] allowed_origins if it is yours)`,
    );
  }
  return ok(null);
}

/** For requests that carry no credentials yet (login, signup): a present Origin must be allowed. */
export function checkOriginIfPresent(ctx: HttpContext, request: Request): Result<null> {
  return request.headers.get("origin") === null ? ok(null) : checkOrigin(ctx, request);
}

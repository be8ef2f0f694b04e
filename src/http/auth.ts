import { Elysia } from "elysia";
import type { AuthedUser, Credentials } from "../auth/authenticate.ts";
import { parseDuration } from "../config/index.ts";
import type { User } from "../protocol/api.ts";
import { OctoError, type Result } from "../protocol/errors.ts";
import { isAdminSocketRequest } from "./admin-socket.ts";
import type { HttpContext } from "./context.ts";
import { checkOrigin, isStateChanging } from "./origin.ts";

export type { AuthedUser } from "../auth/authenticate.ts";

export const SESSION_COOKIE = "octo_session";
/** "This browser has signed in as this user before" (src/auth/device-token.ts); only login reads it. */
export const DEVICE_COOKIE = "octo_device";

/**
 * Who sent this request: the admin socket, an `Authorization: Bearer octo_…` API key, or the
 * `octo_session` cookie (in that order; a bad Bearer key never falls back to the cookie).
 * Used by the route guard below and by the WebSocket upgrade. Origin is checked separately
 * (`checkOrigin`), because whether it matters depends on the method and the credential.
 */
export function authenticate(ctx: HttpContext, request: Request): Promise<Result<AuthedUser>> {
  return ctx.services.auth.authenticate(credentialsOf(request));
}

function credentialsOf(request: Request): Credentials {
  if (isAdminSocketRequest(request)) return { adminSocket: true };
  // Only the Bearer scheme is ours: a reverse proxy's Basic auth must not hide the session cookie.
  const authorization = request.headers.get("authorization")?.trim() ?? "";
  if (/^Bearer(\s|$)/i.test(authorization)) return { bearer: authorization.slice(6).trim() };
  return { sessionToken: readCookie(request, SESSION_COOKIE) };
}

export function readCookie(request: Request, name: string): string | undefined {
  const header = request.headers.get("cookie");
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

const secureCookies = (ctx: HttpContext) => ctx.config.server.public_url.startsWith("https://");

export function sessionCookie(ctx: HttpContext, token: string): string {
  const maxAge = Math.floor(parseDuration(ctx.config.auth.token_ttl) / 1000);
  return cookieString(ctx, token, maxAge);
}

export const clearedSessionCookie = (ctx: HttpContext): string => cookieString(ctx, "", 0);

export function deviceCookie(ctx: HttpContext, token: string, maxAgeMs: number): string {
  const secure = secureCookies(ctx) ? "; Secure" : "";
  const maxAge = Math.floor(maxAgeMs / 1000);
  return `${DEVICE_COOKIE}=${token}; Path=/api/auth; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${secure}`;
}

function cookieString(ctx: HttpContext, value: string, maxAge: number): string {
  const secure = secureCookies(ctx) ? "; Secure" : "";
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAge}${secure}`;
}

export interface GuardOptions {
  role?: "admin";
}

/**
 * Route guard: resolves `auth` for every route of the plugin that uses it, or answers 401/403.
 * Cookie-authenticated state changes must carry an allowed Origin; API keys and the admin socket
 * are not CSRF-prone and are exempt. A cookie past half its life is re-issued on the response.
 */
export function authGuard(ctx: HttpContext, opts: GuardOptions = {}) {
  // derive, not resolve: it runs before body validation, so a stranger gets 401/403, never a schema hint.
  return new Elysia().derive({ as: "scoped" }, async ({ request, set }) => {
    const authed = await authenticate(ctx, request);
    if (!authed.ok) throw new OctoError(authed.error.code, authed.error.message);
    const auth = authed.value;
    if (auth.via === "cookie" && isStateChanging(request.method)) {
      const origin = checkOrigin(ctx, request);
      if (!origin.ok) throw new OctoError(origin.error.code, origin.error.message);
    }
    if (opts.role === "admin" && auth.role !== "admin")
      throw new OctoError("forbidden", "this needs an administrator");
    if (auth.renewToken) set.headers["set-cookie"] = sessionCookie(ctx, auth.renewToken);
    return { auth };
  });
}

/** The signed-in account behind a request (routes for people, not for the admin socket). */
export function accountOf(auth: AuthedUser): User {
  if (!auth.user) throw new OctoError("forbidden", "this route needs a user account, not the admin socket");
  return auth.user;
}

import { Elysia } from "elysia";
import { signOut } from "../../auth/authenticate.ts";
import { DEVICE_TTL_MS, issueDeviceToken } from "../../auth/device-token.ts";
import { inviteExists, signup } from "../../auth/invites.ts";
import { LoginGuard } from "../../auth/login-guard.ts";
import { issueSessionToken } from "../../auth/session-token.ts";
import { publicUser } from "../../auth/users.ts";
import { LoginBody, type MeResponse, SignupBody } from "../../protocol/api.ts";
import { OctoError, type Result } from "../../protocol/errors.ts";
import type { ServerContext } from "../../server/context.ts";
import type { UserRow } from "../../storage/users.ts";
import {
  accountOf,
  authGuard,
  authSettings,
  clearedSessionCookie,
  DEVICE_COOKIE,
  deviceCookie,
  readCookie,
  SESSION_COOKIE,
  sessionCookie,
} from "../auth.ts";
import { clientIp, trustedProxySet } from "../client-ip.ts";
import { errorResponse } from "../errors.ts";
import { checkOrigin, checkOriginIfPresent } from "../origin.ts";
import { SlidingWindowLimiter } from "../rate-limit.ts";

type Server = { requestIP(r: Request): { address: string } | null } | null;

const rateLimited = (t: { retryAfterMs: number }) =>
  errorResponse(
    "rate_limited",
    `too many failed attempts; try again in ${Math.ceil(t.retryAfterMs / 1000)} s`,
    { "retry-after": String(Math.ceil(t.retryAfterMs / 1000)) },
  );

function orThrow<T>(r: Result<T>): T {
  if (!r.ok) throw new OctoError(r.error.code, r.error.message);
  return r.value;
}

/** Sign in, sign up with an invite, sign out, who am I. */
export function authRoutes(ctx: ServerContext) {
  const perMinute = ctx.config.auth.login_attempts_per_minute;
  const loginGuard = new LoginGuard({ db: ctx.db, jwtSecret: ctx.jwtSecret }, perMinute);
  const inviteGuessesByIp = new SlidingWindowLimiter(perMinute);
  const proxies = trustedProxySet(ctx.config.server.trusted_proxies);
  const ipOf = (server: Server, request: Request) =>
    clientIp(server?.requestIP(request)?.address, request.headers.get("x-forwarded-for"), proxies);
  const linuxPrefix = ctx.config.local.linux_users.enabled ? ctx.config.local.linux_users.prefix : undefined;

  const signedIn = async (
    user: UserRow,
    set: { headers: Record<string, unknown> },
    ...extraCookies: string[]
  ): Promise<MeResponse> => {
    const token = await issueSessionToken(ctx.jwtSecret, user, authSettings(ctx).tokenTtlMs);
    const session = sessionCookie(ctx, token);
    set.headers["set-cookie"] = extraCookies.length > 0 ? [session, ...extraCookies] : session;
    return { user: publicUser(user), mode: ctx.mode };
  };

  return new Elysia({ prefix: "/api/auth" })
    .post(
      "/login",
      async ({ body, request, server, set }) => {
        orThrow(checkOriginIfPresent(ctx, request));
        const ip = ipOf(server, request);
        const deviceToken = readCookie(request, DEVICE_COOKIE);
        const outcome = await loginGuard.login({ ...body, ip, deviceToken });
        if (!outcome.ok) {
          if (outcome.retryAfterMs !== undefined) return rateLimited({ retryAfterMs: outcome.retryAfterMs });
          ctx.log.info("login failed", { ip, code: outcome.error.code });
          throw new OctoError(outcome.error.code, outcome.error.message);
        }
        const device = await issueDeviceToken(ctx.jwtSecret, outcome.device);
        return signedIn(outcome.user, set, deviceCookie(ctx, device, DEVICE_TTL_MS));
      },
      { body: LoginBody },
    )
    .post(
      "/signup",
      async ({ body, request, server, set }) => {
        orThrow(checkOriginIfPresent(ctx, request));
        const take = inviteGuessesByIp.take(ipOf(server, request));
        if (!take.allowed) return rateLimited(take);
        const created = await signup(ctx.db, { ...body, linuxPrefix });
        // Only guesses count against the allowance: a used-up invite or a taken name is no attack.
        if (created.ok || inviteExists(ctx.db, body.invite_code)) take.release();
        const user = orThrow(created);
        ctx.log.info("user signed up", { user: user.id, username: user.username });
        return signedIn(user, set);
      },
      { body: SignupBody },
    )
    .post("/logout", async ({ request, set }) => {
      // Only a request that carries the cookie can end the session; it must come from our origin.
      const token = readCookie(request, SESSION_COOKIE);
      if (token !== undefined) {
        orThrow(checkOrigin(ctx, request));
        await signOut(authSettings(ctx), ctx.signIns, token);
      }
      set.headers["set-cookie"] = clearedSessionCookie(ctx);
      return { ok: true };
    })
    .use(authGuard(ctx))
    .get("/me", ({ auth }): MeResponse => ({ user: accountOf(auth), mode: ctx.mode }));
}

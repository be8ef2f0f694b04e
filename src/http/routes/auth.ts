import { Elysia } from "elysia";
import type { SignedIn } from "../../auth/service.ts";
import { LoginBody, type MeResponse, SignupBody } from "../../protocol/api.ts";
import {
  accountOf,
  authGuard,
  clearedSessionCookie,
  DEVICE_COOKIE,
  deviceCookie,
  readCookie,
  SESSION_COOKIE,
  sessionCookie,
} from "../auth.ts";
import { clientIp, trustedProxySet } from "../client-ip.ts";
import type { HttpContext } from "../context.ts";
import { errorResponse, unwrap } from "../errors.ts";
import { checkOrigin, checkOriginIfPresent } from "../origin.ts";
import { SlidingWindowLimiter } from "../rate-limit.ts";
import { publicBase } from "./oidc.ts";

type Server = { requestIP(r: Request): { address: string } | null } | null;

const rateLimited = (t: { retryAfterMs: number }) =>
  errorResponse(
    "rate_limited",
    `too many failed attempts; try again in ${Math.ceil(t.retryAfterMs / 1000)} s`,
    { "retry-after": String(Math.ceil(t.retryAfterMs / 1000)) },
  );

/** Sign in, sign up with an invite, sign out, who am I. */
export function authRoutes(ctx: HttpContext) {
  const accounts = ctx.services.auth;
  const perMinute = ctx.config.auth.login_attempts_per_minute;
  const inviteGuessesByIp = new SlidingWindowLimiter(perMinute);
  const proxies = trustedProxySet(ctx.config.server.trusted_proxies);
  const ipOf = (server: Server, request: Request) =>
    clientIp(server?.requestIP(request)?.address, request.headers.get("x-forwarded-for"), proxies);

  const signedIn = (
    { user, token }: SignedIn,
    set: { headers: Record<string, unknown> },
    ...extraCookies: string[]
  ): MeResponse => {
    const session = sessionCookie(ctx, token);
    set.headers["set-cookie"] = extraCookies.length > 0 ? [session, ...extraCookies] : session;
    return { user, mode: ctx.mode };
  };

  return new Elysia({ prefix: "/api/auth" })
    .post(
      "/login",
      async ({ body, request, server, set }) => {
        unwrap(checkOriginIfPresent(ctx, request));
        const ip = ipOf(server, request);
        const deviceToken = readCookie(request, DEVICE_COOKIE);
        const outcome = await accounts.login({ ...body, ip, deviceToken });
        if (!outcome.ok) {
          if (outcome.retryAfterMs !== undefined) return rateLimited({ retryAfterMs: outcome.retryAfterMs });
          ctx.log.info("login failed", { ip, code: outcome.error.code });
          return unwrap(outcome);
        }
        return signedIn(
          outcome.signedIn,
          set,
          deviceCookie(ctx, outcome.device.token, outcome.device.maxAgeMs),
        );
      },
      { body: LoginBody },
    )
    .post(
      "/signup",
      async ({ body, request, server, set }) => {
        unwrap(checkOriginIfPresent(ctx, request));
        const take = inviteGuessesByIp.take(ipOf(server, request));
        if (!take.allowed) return rateLimited(take);
        const created = await accounts.signup(body);
        // Only guesses count against the allowance: a used-up invite or a taken name is no attack.
        if (created.ok || accounts.inviteExists(body.invite_code)) take.release();
        const signed = unwrap(created);
        ctx.log.info("user signed up", { user: signed.user.id, username: signed.user.username });
        return signedIn(signed, set);
      },
      { body: SignupBody },
    )
    .post("/logout", async ({ request, set }) => {
      // Only a request that carries the cookie can end the session; it must come from our origin.
      const token = readCookie(request, SESSION_COOKIE);
      let redirectTo: string | null = null;
      if (token !== undefined) {
        unwrap(checkOrigin(ctx, request));
        // A single sign-on session also ends at its provider (RP-initiated logout), where it has one.
        redirectTo = await ctx.services.oidc.endSessionUrl(token, `${publicBase(ctx, request)}/login`);
        await accounts.logout(token);
      }
      set.headers["set-cookie"] = clearedSessionCookie(ctx);
      return redirectTo ? { ok: true, redirect_to: redirectTo } : { ok: true };
    })
    .use(authGuard(ctx))
    .get("/me", ({ auth }): MeResponse => ({ user: accountOf(auth), mode: ctx.mode }));
}

import { Elysia } from "elysia";
import type { SignedIn } from "../../auth/service.ts";
import { LoginBody, type MeResponse, SignupBody } from "../../protocol/api.ts";
import {
  accountOf,
  authGuard,
  clearedSessionCookie,
  readCookie,
  SESSION_COOKIE,
  sessionCookie,
} from "../auth.ts";
import type { HttpContext } from "../context.ts";
import { errorResponse, unwrap } from "../errors.ts";
import { checkOrigin, checkOriginIfPresent } from "../origin.ts";
import { SlidingWindowLimiter, type Take, takeAll } from "../rate-limit.ts";

type Server = { requestIP(r: Request): { address: string } | null } | null;

const clientIp = (server: Server, request: Request) => server?.requestIP(request)?.address ?? "unknown";

const rateLimited = (t: Extract<Take, { allowed: false }>) =>
  errorResponse(
    "rate_limited",
    `too many failed attempts; try again in ${Math.ceil(t.retryAfterMs / 1000)} s`,
    { "retry-after": String(Math.ceil(t.retryAfterMs / 1000)) },
  );

/** Sign in, sign up with an invite, sign out, who am I. */
export function authRoutes(ctx: HttpContext) {
  const accounts = ctx.services.auth;
  const perMinute = ctx.config.auth.login_attempts_per_minute;
  const byIp = new SlidingWindowLimiter(perMinute);
  const byUsername = new SlidingWindowLimiter(perMinute);
  const inviteGuessesByIp = new SlidingWindowLimiter(perMinute);

  const signedIn = ({ user, token }: SignedIn, set: { headers: Record<string, unknown> }): MeResponse => {
    set.headers["set-cookie"] = sessionCookie(ctx, token);
    return { user, mode: ctx.mode };
  };

  return new Elysia({ prefix: "/api/auth" })
    .post(
      "/login",
      async ({ body, request, server, set }) => {
        unwrap(checkOriginIfPresent(ctx, request));
        const ip = clientIp(server, request);
        const take = takeAll([() => byIp.take(ip), () => byUsername.take(body.username.toLowerCase())]);
        if (!take.allowed) return rateLimited(take);
        const checked = await accounts.login(body.username, body.password);
        if (!checked.ok) ctx.log.info("login failed", { ip, code: checked.error.code });
        const signed = unwrap(checked);
        take.release();
        return signedIn(signed, set);
      },
      { body: LoginBody },
    )
    .post(
      "/signup",
      async ({ body, request, server, set }) => {
        unwrap(checkOriginIfPresent(ctx, request));
        const take = inviteGuessesByIp.take(clientIp(server, request));
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
    .post("/logout", ({ request, set }) => {
      // Only a request that carries the cookie can end the session; it must come from our origin.
      if (readCookie(request, SESSION_COOKIE) !== undefined) unwrap(checkOrigin(ctx, request));
      set.headers["set-cookie"] = clearedSessionCookie(ctx);
      return { ok: true };
    })
    .use(authGuard(ctx))
    .get("/me", ({ auth }): MeResponse => ({ user: accountOf(auth), mode: ctx.mode }));
}

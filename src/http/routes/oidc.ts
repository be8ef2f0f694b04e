import { Elysia } from "elysia";
import type { CallbackParams } from "../../auth/oidc/service.ts";
import type { AuthMethods } from "../../protocol/sso.ts";
import { readCookie, sessionCookie } from "../auth.ts";
import { clientIp, trustedProxySet } from "../client-ip.ts";
import type { HttpContext } from "../context.ts";
import { SlidingWindowLimiter } from "../rate-limit.ts";

/** The cookie that binds a sign-in under way to the browser that started it (decision 0022). */
export const OIDC_COOKIE = "octo_oidc";
const OIDC_COOKIE_MAX_AGE_S = 600;
/**
 * Sign-ins one address may start per minute: each holds a slot in the bounded store of sign-ins
 * under way, so one client must not crowd out everyone else's.
 */
const STARTS_PER_MINUTE = 60;

/** Only same-site paths are followed after sign-in (no open redirect through ?next=). */
export const safeNext = (next: unknown): string =>
  typeof next === "string" &&
  next.length <= 512 &&
  next.startsWith("/") &&
  !next.startsWith("//") &&
  !next.startsWith("/\\") &&
  !next.startsWith("/login") &&
  !next.startsWith("/api/")
    ? next
    : "/";

/** The origin the browser sees octo at: `public_url`, else the request's own. */
export const publicBase = (ctx: HttpContext, request: Request): string =>
  ctx.config.server.public_url.replace(/\/$/, "") || new URL(request.url).origin;

const callbackUri = (base: string, name: string) =>
  `${base}/api/auth/oidc/${encodeURIComponent(name)}/callback`;

function bindingCookie(ctx: HttpContext, value: string): string {
  const secure = ctx.config.server.public_url.startsWith("https://") ? "; Secure" : "";
  // Lax: the provider's redirect back is a cross-site top-level GET, which Lax lets the cookie ride.
  return `${OIDC_COOKIE}=${value}; Path=/api/auth/oidc; HttpOnly; SameSite=Lax; Max-Age=${OIDC_COOKIE_MAX_AGE_S}${secure}`;
}

function redirect(location: string, ...cookies: string[]): Response {
  const headers = new Headers({ location, "cache-control": "no-store" });
  for (const c of cookies) headers.append("set-cookie", c);
  return new Response(null, { status: 302, headers });
}

const text = (v: unknown): string | undefined => (typeof v === "string" ? v.slice(0, 4096) : undefined);

/** Single sign-on: which ways to sign in exist, and the OpenID Connect redirect pair. */
export function oidcRoutes(ctx: HttpContext) {
  const oidc = ctx.services.oidc;
  const startsByIp = new SlidingWindowLimiter(STARTS_PER_MINUTE);
  const proxies = trustedProxySet(ctx.config.server.trusted_proxies);
  type Server = { requestIP(r: Request): { address: string } | null } | null;
  const ipOf = (server: Server, request: Request) =>
    clientIp(server?.requestIP(request)?.address, request.headers.get("x-forwarded-for"), proxies);
  return new Elysia({ prefix: "/api/auth" })
    .get("/methods", (): AuthMethods => ({ providers: oidc.providers(), local_sign_in: oidc.localSignIn() }))
    .get("/oidc/:name/start", async ({ params, query, request, server }) => {
      if (!startsByIp.take(ipOf(server, request)).allowed) return redirect("/login?error=rate_limited");
      const started = await oidc.start(params.name, {
        binding: readCookie(request, OIDC_COOKIE),
        next: safeNext(query.next),
        redirectUri: callbackUri(publicBase(ctx, request), params.name),
      });
      // A person clicked a button: failures land on the sign-in page, which says what went wrong.
      if (!started.ok) return redirect(`/login?error=${encodeURIComponent(started.error.code)}`);
      return redirect(started.value.url, bindingCookie(ctx, started.value.binding));
    })
    .get("/oidc/:name/callback", async ({ params, query, request }) => {
      const callback: CallbackParams = {
        state: text(query.state),
        code: text(query.code),
        error: text(query.error),
        error_description: text(query.error_description),
        iss: text(query.iss),
      };
      const finished = await oidc.finish(params.name, {
        params: callback,
        binding: readCookie(request, OIDC_COOKIE),
      });
      if (!finished.ok) {
        ctx.log.info("single sign-on failed", {
          provider: params.name,
          code: finished.error.code,
          reason: finished.error.message,
        });
        return redirect(`/login?error=${encodeURIComponent(finished.error.code)}`);
      }
      return redirect(finished.value.next, sessionCookie(ctx, finished.value.signedIn.token));
    });
}

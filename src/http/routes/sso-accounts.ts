import { Elysia } from "elysia";
import type { AccountSso } from "../../protocol/sso.ts";
import { LinkIdentityBody, SignInSettings } from "../../protocol/sso.ts";
import { accountOf, authGuard } from "../auth.ts";
import type { HttpContext } from "../context.ts";
import { unwrap } from "../errors.ts";

/** Admin side of single sign-on: linked identities, and whether local sign-in is on. */
export function adminSsoRoutes(ctx: HttpContext) {
  const oidc = ctx.services.oidc;
  const actor = (auth: { user: { id: string } | null }) => auth.user?.id ?? "admin-socket";
  return new Elysia({ prefix: "/api/admin" })
    .use(authGuard(ctx, { role: "admin" }))
    .get("/identities", () => ({ identities: oidc.identities() }))
    .post(
      "/users/:id/identities",
      ({ auth, params, body }) => {
        unwrap(oidc.link(params.id, body.provider, body.subject));
        ctx.log.info("identity linked", { by: actor(auth), user: params.id, provider: body.provider });
        return { ok: true };
      },
      { body: LinkIdentityBody },
    )
    .delete("/users/:id/identities/:provider", ({ auth, params }) => {
      unwrap(oidc.unlink(params.id, params.provider));
      ctx.log.info("identity unlinked", { by: actor(auth), user: params.id, provider: params.provider });
      return { ok: true };
    })
    .get("/sign-in", (): SignInSettings => ({ local_sign_in: oidc.localSignIn() }))
    .put(
      "/sign-in",
      ({ auth, body }): SignInSettings => {
        const value = unwrap(oidc.setLocalSignIn(body.local_sign_in));
        ctx.log.info("local sign-in changed", { by: actor(auth), local_sign_in: value });
        return { local_sign_in: value };
      },
      { body: SignInSettings },
    );
}

/** The signed-in person's own side: how their account signs in. */
export function accountSsoRoutes(ctx: HttpContext) {
  return new Elysia({ prefix: "/api/account" })
    .use(authGuard(ctx))
    .get("/sso", ({ auth }): AccountSso => ctx.services.oidc.accountSso(accountOf(auth).id));
}

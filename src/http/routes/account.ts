import { Elysia } from "elysia";
import {
  ChangePasswordBody,
  CreateApiKeyBody,
  PutGitCredentialBody,
  UpdateAccountBody,
} from "../../protocol/api.ts";
import { accountOf, authGuard, sessionCookie } from "../auth.ts";
import type { HttpContext } from "../context.ts";
import { errorResponse, unwrap } from "../errors.ts";
import { SlidingWindowLimiter } from "../rate-limit.ts";

/** The signed-in user's own account: password, e-mail, API keys, git credentials (write-only tokens). */
export function accountRoutes(ctx: HttpContext) {
  const accounts = ctx.services.auth;
  const passwordAttempts = new SlidingWindowLimiter(ctx.config.auth.login_attempts_per_minute);
  return new Elysia({ prefix: "/api/account" })
    .use(authGuard(ctx))
    .post(
      "/password",
      async ({ auth, body, set }) => {
        const me = accountOf(auth);
        const take = passwordAttempts.take(me.id);
        if (!take.allowed)
          return errorResponse("rate_limited", "too many wrong passwords; try again in a minute", {
            "retry-after": String(Math.ceil(take.retryAfterMs / 1000)),
          });
        const changed = unwrap(
          await accounts.changeOwnPassword(me.id, body.current_password, body.new_password, auth.sid),
        );
        take.release();
        // Every other session has ended (token_version moved on); this one continues with a new token.
        if (auth.via === "cookie") set.headers["set-cookie"] = sessionCookie(ctx, changed.token);
        ctx.log.info("password changed", { user: me.id });
        return { ok: true };
      },
      { body: ChangePasswordBody },
    )
    .get("/keys", ({ auth }) => ({ keys: accounts.apiKeys(accountOf(auth).id) }))
    .post(
      "/keys",
      ({ auth, body }) => {
        const created = accounts.createApiKey(accountOf(auth).id, body.name);
        ctx.log.info("API key created", { user: accountOf(auth).id, key: created.key.id });
        return created;
      },
      { body: CreateApiKeyBody },
    )
    .delete("/keys/:id", ({ auth, params }) => {
      unwrap(accounts.revokeApiKey(accountOf(auth).id, params.id));
      return { ok: true };
    })
    .patch(
      "",
      ({ auth, body }) => ({
        user: unwrap(ctx.services.gitAccount.setEmail(accountOf(auth).id, body.email)),
      }),
      { body: UpdateAccountBody },
    )
    .get("/git-credentials", ({ auth }) => ({
      credentials: ctx.services.gitAccount.credentials(accountOf(auth).id),
    }))
    .put(
      "/git-credentials",
      ({ auth, body }) => {
        const me = accountOf(auth);
        const credential = ctx.services.gitAccount.putCredential(me.id, body);
        ctx.log.info("git credential stored", { user: me.id, host: body.host });
        return { credential };
      },
      { body: PutGitCredentialBody },
    )
    .delete("/git-credentials/:host", ({ auth, params }) => {
      unwrap(ctx.services.gitAccount.removeCredential(accountOf(auth).id, params.host));
      return { ok: true };
    });
}

import { Elysia } from "elysia";
import { changeOwnPassword } from "../../auth/accounts.ts";
import { createApiKey, publicApiKey, revokeApiKey } from "../../auth/api-keys.ts";
import { issueSessionToken } from "../../auth/session-token.ts";
import { ChangePasswordBody, CreateApiKeyBody } from "../../protocol/api.ts";
import { OctoError } from "../../protocol/errors.ts";
import type { ServerContext } from "../../server/context.ts";
import { apiKeysRepo } from "../../storage/api-keys.ts";
import { accountOf, authGuard, authSettings, sessionCookie } from "../auth.ts";
import { errorResponse } from "../errors.ts";
import { SlidingWindowLimiter } from "../rate-limit.ts";

/** The signed-in user's own account: password and API keys. */
export function accountRoutes(ctx: ServerContext) {
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
        const changed = await changeOwnPassword(ctx.db, me.id, body.current_password, body.new_password);
        if (!changed.ok) throw new OctoError(changed.error.code, changed.error.message);
        take.release();
        const keep = auth.sid ? { sid: auth.sid, tokenVersion: changed.value.token_version } : undefined;
        ctx.signIns.endUser(me.id, "password_changed", keep);
        // Every other session has ended (token_version moved on); this one continues with a new token.
        if (auth.via === "cookie") {
          const ttl = authSettings(ctx).tokenTtlMs;
          const token = await issueSessionToken(ctx.jwtSecret, changed.value, ttl, Date.now(), auth.sid);
          set.headers["set-cookie"] = sessionCookie(ctx, token);
        }
        ctx.log.info("password changed", { user: me.id });
        return { ok: true };
      },
      { body: ChangePasswordBody },
    )
    .get("/keys", ({ auth }) => ({
      keys: apiKeysRepo(ctx.db).activeForUser(accountOf(auth).id).map(publicApiKey),
    }))
    .post(
      "/keys",
      ({ auth, body }) => {
        const created = createApiKey(ctx.db, accountOf(auth).id, body.name);
        ctx.log.info("API key created", { user: accountOf(auth).id, key: created.key.id });
        return created;
      },
      { body: CreateApiKeyBody },
    )
    .delete("/keys/:id", ({ auth, params }) => {
      const revoked = revokeApiKey(ctx.db, accountOf(auth).id, params.id);
      if (!revoked.ok) throw new OctoError(revoked.error.code, revoked.error.message);
      return { ok: true };
    });
}

import { Elysia } from "elysia";
import { CreateInviteBody, CreateUserBody, ResetPasswordBody } from "../../protocol/api.ts";
import { authGuard } from "../auth.ts";
import type { HttpContext } from "../context.ts";
import { unwrap } from "../errors.ts";

/** Administration: users, invites, status, sessions. Admins only (or the admin socket). */
export function adminRoutes(ctx: HttpContext) {
  const admin = ctx.services.admin;
  const actor = (auth: { user: { id: string } | null }) => auth.user?.id ?? "admin-socket";

  return new Elysia({ prefix: "/api/admin" })
    .use(authGuard(ctx, { role: "admin" }))
    .get("/status", () => admin.status())
    .get("/users", () => ({ users: admin.users() }))
    .post(
      "/users",
      async ({ auth, body }) => {
        const user = unwrap(await admin.createUser(body));
        ctx.log.info("user created", { by: actor(auth), user: user.id, username: user.username });
        return { user };
      },
      { body: CreateUserBody },
    )
    .post("/users/:id/disable", ({ auth, params }) => {
      const user = unwrap(admin.setDisabled(params.id, true));
      ctx.log.info("user disabled", { by: actor(auth), user: user.id });
      return { user };
    })
    .post("/users/:id/enable", ({ auth, params }) => {
      const user = unwrap(admin.setDisabled(params.id, false));
      ctx.log.info("user enabled", { by: actor(auth), user: user.id });
      return { user };
    })
    .post(
      "/users/:id/password",
      async ({ auth, params, body }) => {
        const user = unwrap(await admin.resetPassword(params.id, body.password));
        ctx.log.info("password reset", { by: actor(auth), user: user.id });
        return { user };
      },
      { body: ResetPasswordBody },
    )
    .delete("/users/:id", async ({ auth, params }) => {
      const user = unwrap(await admin.deleteUser(params.id));
      ctx.log.info("user deleted", { by: actor(auth), user: user.id, username: user.username });
      return { ok: true };
    })
    .get("/invites", () => ({ invites: admin.invites() }))
    .post(
      "/invites",
      ({ auth, body }) => {
        const invite = admin.createInvite(body, auth.user?.id ?? null);
        ctx.log.info("invite created", { by: actor(auth), role: invite.role, max_uses: invite.max_uses });
        return { invite };
      },
      { body: CreateInviteBody },
    )
    .delete("/invites/:code", ({ auth, params }) => {
      unwrap(admin.revokeInvite(params.code));
      ctx.log.info("invite revoked", { by: actor(auth) });
      return { ok: true };
    })
    .get("/sessions", () => ({ sessions: admin.sessions() }));
}

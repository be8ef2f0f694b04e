import { Elysia } from "elysia";
import { operatorStatus } from "../../admin/dashboard.ts";
import { deleteUser, resetPassword, setUserDisabled } from "../../auth/accounts.ts";
import { createInvite, publicInvite, revokeInvite } from "../../auth/invites.ts";
import { createUser, publicUser } from "../../auth/users.ts";
import {
  type AdminStatus,
  CreateInviteBody,
  CreateUserBody,
  ResetPasswordBody,
  type SessionSummary,
} from "../../protocol/api.ts";
import { OctoError, type Result } from "../../protocol/errors.ts";
import type { ServerContext } from "../../server/context.ts";
import { dataPaths } from "../../shared/paths.ts";
import { invitesRepo } from "../../storage/invites.ts";
import { sessionsOverview } from "../../storage/sessions-overview.ts";
import { usersRepo } from "../../storage/users.ts";
import { authGuard } from "../auth.ts";

function orThrow<T>(r: Result<T>): T {
  if (!r.ok) throw new OctoError(r.error.code, r.error.message);
  return r.value;
}

/** Administration: users, invites, status, sessions. Admins only (or the admin socket). */
export function adminRoutes(ctx: ServerContext) {
  const linuxPrefix = ctx.config.local.linux_users.enabled ? ctx.config.local.linux_users.prefix : undefined;
  const userDir = dataPaths(ctx.config.paths.dataDir).userDir;
  const actor = (auth: { user: { id: string } | null }) => auth.user?.id ?? "admin-socket";

  return new Elysia({ prefix: "/api/admin" })
    .use(authGuard(ctx, { role: "admin" }))
    .get(
      "/status",
      (): Promise<AdminStatus> =>
        operatorStatus({
          db: ctx.db,
          runners: ctx.runners,
          version: ctx.version,
          mode: ctx.mode,
          startedAt: ctx.startedAt,
          dirs: { data: ctx.config.paths.dataDir, workspaces: ctx.config.paths.workspaceDir },
        }),
    )
    .get("/users", () => ({ users: usersRepo(ctx.db).list().map(publicUser) }))
    .post(
      "/users",
      async ({ auth, body }) => {
        const user = orThrow(await createUser(ctx.db, { ...body, linuxPrefix }));
        ctx.log.info("user created", { by: actor(auth), user: user.id, username: user.username });
        return { user: publicUser(user) };
      },
      { body: CreateUserBody },
    )
    .post("/users/:id/disable", ({ auth, params }) => {
      const user = orThrow(setUserDisabled(ctx.db, params.id, true));
      ctx.signIns.endUser(user.id, "account_disabled");
      ctx.log.info("user disabled", { by: actor(auth), user: user.id });
      return { user: publicUser(user) };
    })
    .post("/users/:id/enable", ({ auth, params }) => {
      const user = orThrow(setUserDisabled(ctx.db, params.id, false));
      ctx.log.info("user enabled", { by: actor(auth), user: user.id });
      return { user: publicUser(user) };
    })
    .post(
      "/users/:id/password",
      async ({ auth, params, body }) => {
        const user = orThrow(await resetPassword(ctx.db, params.id, body.password));
        ctx.signIns.endUser(user.id, "password_changed");
        ctx.log.info("password reset", { by: actor(auth), user: user.id });
        return { user: publicUser(user) };
      },
      { body: ResetPasswordBody },
    )
    .delete("/users/:id", async ({ auth, params }) => {
      const target = usersRepo(ctx.db).byId(params.id);
      // Their agents and shells stop and their history closes before the account and its data go.
      if (target) await ctx.services.removeUserData({ id: target.id, username: target.username });
      const user = orThrow(deleteUser(ctx.db, params.id, userDir));
      ctx.signIns.endUser(user.id, "account_deleted");
      ctx.log.info("user deleted", { by: actor(auth), user: user.id, username: user.username });
      return { ok: true };
    })
    .get("/invites", () => ({
      invites: invitesRepo(ctx.db)
        .list()
        .map((row) => publicInvite(row)),
    }))
    .post(
      "/invites",
      ({ auth, body }) => {
        const invite = createInvite(ctx.db, body, auth.user?.id ?? null);
        ctx.log.info("invite created", { by: actor(auth), role: invite.role, max_uses: invite.max_uses });
        return { invite: publicInvite(invite) };
      },
      { body: CreateInviteBody },
    )
    .delete("/invites/:code", ({ auth, params }) => {
      orThrow(revokeInvite(ctx.db, params.code));
      ctx.log.info("invite revoked", { by: actor(auth) });
      return { ok: true };
    })
    .get("/sessions", () => ({
      sessions: sessionsOverview(ctx.db).list() satisfies SessionSummary[],
    }));
}

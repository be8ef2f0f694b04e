import { Elysia } from "elysia";
import { authGuard } from "../auth.ts";
import type { HttpContext } from "../context.ts";
import { unwrap } from "../errors.ts";
import { ownerOf } from "./projects.ts";

/** Members of a shared project (decision 0030); the domain checks every id (src/sharing/projects.ts). */
export function memberRoutes(ctx: HttpContext) {
  const sharing = ctx.services.members;
  const base = "/api/projects/:id/members";
  return new Elysia()
    .use(authGuard(ctx))
    .get(base, ({ auth, params }) => unwrap(sharing.list(ownerOf(auth), params.id)))
    .post(base, ({ auth, params, body }) => {
      const member = unwrap(sharing.invite(ownerOf(auth), params.id, body));
      ctx.log.info("project member added", { project: params.id, member: member.user_id, role: member.role });
      return { member };
    })
    .patch(`${base}/:user_id`, ({ auth, params, body }) => ({
      member: unwrap(sharing.change(ownerOf(auth), params.id, params.user_id, body)),
    }))
    .delete(`${base}/:user_id`, ({ auth, params }) => {
      unwrap(sharing.remove(ownerOf(auth), params.id, params.user_id));
      ctx.log.info("project member removed", { project: params.id, member: params.user_id });
      return { ok: true };
    });
}

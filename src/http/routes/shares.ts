import { Elysia } from "elysia";
import * as v from "valibot";
import { ForkSharedBody, ShareBody } from "../../protocol/shares.ts";
import { authGuard } from "../auth.ts";
import type { HttpContext } from "../context.ts";
import { unwrap } from "../errors.ts";
import { ownerOf } from "./projects.ts";

const DirectoryQuery = v.object({ q: v.optional(v.pipe(v.string(), v.maxLength(64)), "") });

/**
 * Sharing conversations read-only (src/protocol/shares.ts): the owner's shares of a conversation,
 * the conversations shared with me, forking one into my project, and the people one may pick.
 */
export function shareRoutes(ctx: HttpContext) {
  const { sharing } = ctx.services;
  return new Elysia()
    .use(authGuard(ctx))
    .get("/api/sessions/:id/shares", ({ auth, params }) => ({
      shares: unwrap(sharing.list(ownerOf(auth), params.id)),
    }))
    .post(
      "/api/sessions/:id/shares",
      ({ auth, params, body }) => ({ share: unwrap(sharing.share(ownerOf(auth), params.id, body)) }),
      { body: ShareBody },
    )
    .delete("/api/sessions/:id/shares/:grantee", ({ auth, params }) =>
      unwrap(sharing.unshare(ownerOf(auth), params.id, params.grantee)),
    )
    .get("/api/shared", ({ auth }) => ({ sessions: sharing.sharedWithMe(ownerOf(auth)) }))
    .get("/api/shared/:id", ({ auth, params }) => ({
      session: unwrap(sharing.sharedOne(ownerOf(auth), params.id)),
    }))
    .post(
      "/api/shared/:id/fork",
      async ({ auth, params, body }) =>
        unwrap(await sharing.fork(ownerOf(auth), params.id, body?.project_id)),
      { body: v.optional(ForkSharedBody, {}) },
    )
    .get(
      "/api/users/directory",
      ({ auth, query }) => ({ users: sharing.directory(ownerOf(auth), query.q) }),
      { query: DirectoryQuery },
    );
}

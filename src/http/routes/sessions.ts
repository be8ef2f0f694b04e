import { Elysia } from "elysia";
import * as v from "valibot";
import { authGuard } from "../auth.ts";
import type { HttpContext } from "../context.ts";
import { unwrap } from "../errors.ts";
import { ownerOf } from "./projects.ts";

const Paging = v.object({
  after_seq: v.optional(v.pipe(v.string(), v.regex(/^\d{1,15}$/), v.transform(Number)), "0"),
  limit: v.optional(v.pipe(v.string(), v.regex(/^\d{1,4}$/), v.transform(Number)), "200"),
});
const Search = v.object({
  q: v.pipe(v.string(), v.minLength(1), v.maxLength(500)),
  project_id: v.optional(v.string()),
  limit: v.optional(v.pipe(v.string(), v.regex(/^\d{1,3}$/), v.transform(Number)), "50"),
});

/** Session listings, messages (paged) and search: the signed-in user's own, and shared projects'. */
export function sessionRoutes(ctx: HttpContext) {
  const { sessions, history } = ctx.services;
  return new Elysia()
    .use(authGuard(ctx))
    .get("/api/projects/:id/sessions", ({ auth, params }) => ({
      sessions: unwrap(sessions.listForProject(ownerOf(auth), params.id)),
    }))
    .get("/api/sessions", ({ auth }) => ({ sessions: sessions.listReadable(ownerOf(auth)) }))
    .get(
      "/api/sessions/search",
      ({ auth, query }) => ({
        hits: unwrap(
          sessions.search(ownerOf(auth), query.q, { projectId: query.project_id, limit: query.limit }),
        ),
      }),
      { query: Search },
    )
    .get("/api/sessions/:id", ({ auth, params }) => ({
      session: unwrap(sessions.info(ownerOf(auth), params.id, "read")),
    }))
    .get(
      "/api/sessions/:id/messages",
      ({ auth, params, query }) => {
        const me = ownerOf(auth);
        // A shared project's conversation is in its owner's history store (decision 0030).
        const session = unwrap(sessions.info(me, params.id, "read"));
        const store = history.for(sessions.storeOf(session.id) ?? me.id);
        const page = store.messagePage(session.id, {
          afterSeq: query.after_seq,
          limit: Math.min(query.limit, 1000),
        });
        return { ...page, last_seq: store.currentSeq(session.id) };
      },
      { query: Paging },
    );
}

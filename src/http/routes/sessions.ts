import { Elysia } from "elysia";
import * as v from "valibot";
import { getProject } from "../../projects/service.ts";
import { OctoError } from "../../protocol/errors.ts";
import type { Session } from "../../protocol/projects.ts";
import type { ServerContext } from "../../server/context.ts";
import type { Services } from "../../server/services.ts";
import type { SessionRow } from "../../storage/sessions.ts";
import { sessionsRepo } from "../../storage/sessions.ts";
import { accountOf, authGuard } from "../auth.ts";
import { unwrap } from "./projects.ts";

export const publicSession = (s: SessionRow): Session => ({
  id: s.id,
  project_id: s.project_id,
  title: s.title,
  model: s.model,
  profile: s.profile,
  status: s.status,
  last_seq: s.last_seq,
  created_at: s.created_at,
  updated_at: s.updated_at,
  parent_id: s.parent_id,
});

const Paging = v.object({
  after_seq: v.optional(v.pipe(v.string(), v.regex(/^\d{1,15}$/), v.transform(Number)), "0"),
  limit: v.optional(v.pipe(v.string(), v.regex(/^\d{1,4}$/), v.transform(Number)), "200"),
});
const Search = v.object({
  q: v.pipe(v.string(), v.minLength(1), v.maxLength(500)),
  project_id: v.optional(v.string()),
  limit: v.optional(v.pipe(v.string(), v.regex(/^\d{1,3}$/), v.transform(Number)), "50"),
});

/** Session listings, messages (paged) and search, for the signed-in user's own sessions only. */
export function sessionRoutes(ctx: ServerContext, services: Services) {
  const repo = () => sessionsRepo(ctx.db);
  const owned = (userId: string, id: string): SessionRow => {
    const row = repo().byId(id);
    if (!row || row.user_id !== userId) throw new OctoError("not_found", "no such session");
    return row;
  };
  return new Elysia()
    .use(authGuard(ctx))
    .get("/api/projects/:id/sessions", ({ auth, params }) => {
      const me = accountOf(auth);
      const project = unwrap(getProject(services.projects, { id: me.id, username: me.username }, params.id));
      return { sessions: repo().listForProject(project.id).map(publicSession) };
    })
    .get("/api/sessions", ({ auth }) => ({
      sessions: repo().listForUser(accountOf(auth).id).map(publicSession),
    }))
    .get(
      "/api/sessions/search",
      ({ auth, query }) => {
        const me = accountOf(auth);
        if (query.project_id)
          unwrap(getProject(services.projects, { id: me.id, username: me.username }, query.project_id));
        const hits = unwrap(
          services.history.for(me.id).search(query.q, { projectId: query.project_id, limit: query.limit }),
        );
        return { hits };
      },
      { query: Search },
    )
    .get("/api/sessions/:id", ({ auth, params }) => ({
      session: publicSession(owned(accountOf(auth).id, params.id)),
    }))
    .get(
      "/api/sessions/:id/messages",
      ({ auth, params, query }) => {
        const me = accountOf(auth);
        const row = owned(me.id, params.id);
        const history = services.history.for(me.id);
        const page = history.messagePage(row.id, {
          afterSeq: query.after_seq,
          limit: Math.min(query.limit, 1000),
        });
        return { ...page, last_seq: history.currentSeq(row.id) };
      },
      { query: Paging },
    );
}

import { Elysia } from "elysia";
import { OctoError } from "../../protocol/errors.ts";
import { SearchTestBody } from "../../protocol/tools.ts";
import type { ServerContext } from "../../server/context.ts";
import { authGuard } from "../auth.ts";

/** The agents' web search backend, for admins: what is configured, and a real test query. */
export function searchAdminRoutes(ctx: ServerContext) {
  const tools = ctx.services.tools;
  return new Elysia({ prefix: "/api/admin/search" })
    .use(authGuard(ctx, { role: "admin" }))
    .get("/", () => tools.searchStatus())
    .post(
      "/test",
      async ({ body }) => {
        const r = await tools.testSearch(body.query);
        if (!r.ok) throw new OctoError(r.error.code, r.error.message);
        return r.value;
      },
      { body: SearchTestBody },
    );
}

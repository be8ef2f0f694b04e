import { Elysia } from "elysia";
import { SearchTestBody } from "../../protocol/tools.ts";
import { authGuard } from "../auth.ts";
import type { HttpContext } from "../context.ts";
import { unwrap } from "../errors.ts";

/** The agents' web search backend, for admins: what is configured, and a real test query. */
export function searchAdminRoutes(ctx: HttpContext) {
  const tools = ctx.services.tools;
  return new Elysia({ prefix: "/api/admin/search" })
    .use(authGuard(ctx, { role: "admin" }))
    .get("/", () => tools.searchStatus())
    .post("/test", async ({ body }) => unwrap(await tools.testSearch(body.query)), { body: SearchTestBody });
}

import { Elysia } from "elysia";
import { SearchTestBody } from "../../protocol/tools.ts";
import { authGuard } from "../auth.ts";
import type { HttpContext } from "../context.ts";
import { unwrap } from "../errors.ts";

/**
 * The agents' web search backend, for admins: what is configured, saving or clearing their own
 * choice (a key is write-only), and a real test query.
 */
export function searchAdminRoutes(ctx: HttpContext) {
  const tools = ctx.services.tools;
  const actor = (auth: { user: { id: string } | null }) => auth.user?.id ?? "admin-socket";
  return new Elysia({ prefix: "/api/admin/search" })
    .use(authGuard(ctx, { role: "admin" }))
    .get("/", () => tools.searchStatus())
    .put("/", ({ auth, body }) => {
      const status = unwrap(tools.setSearch(body));
      ctx.log.info("search backend set", { by: actor(auth), backend: status.backend, url: status.url });
      return status;
    })
    .delete("/", ({ auth }) => {
      const status = tools.clearSearch();
      ctx.log.info("search backend cleared", { by: actor(auth) });
      return status;
    })
    .post("/test", async ({ body }) => unwrap(await tools.testSearch(body.query)), { body: SearchTestBody });
}

import { Elysia } from "elysia";
import { usageReport } from "../../llm/usage-report.ts";
import { UsageQuery } from "../../protocol/llm.ts";
import type { ServerContext } from "../../server/context.ts";
import { authGuard } from "../auth.ts";

/** GET /api/usage?session_id=|project_id=|user_id=: own usage; admins may see anyone's. */
export function usageRoutes(ctx: ServerContext) {
  return new Elysia()
    .use(authGuard(ctx))
    .get(
      "/api/usage",
      ({ auth, query }) =>
        usageReport(ctx.db, { userId: auth.user?.id ?? null, admin: auth.role === "admin" }, query),
      { query: UsageQuery },
    );
}

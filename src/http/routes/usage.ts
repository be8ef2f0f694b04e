import { Elysia } from "elysia";
import { UsageQuery } from "../../protocol/llm.ts";
import { authGuard } from "../auth.ts";
import type { HttpContext } from "../context.ts";

/** GET /api/usage?session_id=|project_id=|user_id=: own usage; admins may see anyone's. */
export function usageRoutes(ctx: HttpContext) {
  return new Elysia()
    .use(authGuard(ctx))
    .get(
      "/api/usage",
      ({ auth, query }) =>
        ctx.services.llm.usage({ userId: auth.user?.id ?? null, admin: auth.role === "admin" }, query),
      { query: UsageQuery },
    );
}

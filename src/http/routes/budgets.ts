import { Elysia } from "elysia";
import { LimitsBody, UsageReportQuery } from "../../protocol/budgets.ts";
import { authGuard } from "../auth.ts";
import type { HttpContext } from "../context.ts";
import { unwrap } from "../errors.ts";

/** Admin: usage reports, the CSV export, limits per user (decision 0023). */
export function budgetAdminRoutes(ctx: HttpContext) {
  const budgets = ctx.services.llm.budgets;
  return new Elysia({ prefix: "/api/admin" })
    .use(authGuard(ctx, { role: "admin" }))
    .get("/usage", ({ query }) => unwrap(budgets.report(query)), { query: UsageReportQuery })
    .get(
      "/usage.csv",
      ({ query }) => {
        const csv = unwrap(budgets.csv(query));
        return new Response(csv, {
          headers: {
            "content-type": "text/csv; charset=utf-8",
            "content-disposition": `attachment; filename="octo-usage-${query.from ?? "month"}-${query.to ?? "today"}.csv"`,
          },
        });
      },
      { query: UsageReportQuery },
    )
    .get("/users/:id/limits", ({ params }) => unwrap(budgets.limits(params.id)))
    .put(
      "/users/:id/limits",
      ({ auth, params, body }) => {
        const limits = unwrap(budgets.setLimits(params.id, body, auth.user?.id ?? null));
        ctx.log.info("llm limits set", {
          by: auth.user?.id ?? "admin-socket",
          user: params.id,
          ...limits.override,
        });
        return limits;
      },
      { body: LimitsBody },
    );
}

/** Any signed-in user: this month's usage against their own limits. */
export function myUsageRoutes(ctx: HttpContext) {
  return new Elysia().use(authGuard(ctx)).get("/api/usage/me", ({ auth }) => {
    if (!auth.user)
      return unwrap({
        ok: false,
        error: { code: "forbidden", message: "a user's own usage needs a signed-in user" },
      });
    return ctx.services.llm.budgets.mine(auth.user.id);
  });
}

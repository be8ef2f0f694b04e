import { Elysia } from "elysia";
import { backstopBodyLimit, bodyLimit } from "./body-limit.ts";
import type { HttpContext } from "./context.ts";
import { errorResponse, mapThrown } from "./errors.ts";
import { accountRoutes } from "./routes/account.ts";
import { adminRoutes } from "./routes/admin.ts";
import { authRoutes } from "./routes/auth.ts";
import { budgetAdminRoutes, myUsageRoutes } from "./routes/budgets.ts";
import { canvasRoutes } from "./routes/canvas.ts";
import { fileRoutes } from "./routes/files.ts";
import { healthRoutes } from "./routes/health.ts";
import { memberRoutes } from "./routes/members.ts";
import { memoryRoutes } from "./routes/memory.ts";
import { muxRoutes } from "./routes/mux.ts";
import { notificationRoutes } from "./routes/notifications.ts";
import { oidcRoutes } from "./routes/oidc.ts";
import { projectRoutes } from "./routes/projects.ts";
import { defaultModelRoutes, llmProxyRoutes, modelRoutes, providerAdminRoutes } from "./routes/providers.ts";
import { reviewRoutes } from "./routes/review.ts";
import { adminScheduleRoutes, hookDeliveryRoutes, scheduleRoutes } from "./routes/schedules.ts";
import { searchAdminRoutes } from "./routes/search.ts";
import { sessionRoutes } from "./routes/sessions.ts";
import { shareRoutes } from "./routes/shares.ts";
import { accountSsoRoutes, adminSsoRoutes } from "./routes/sso-accounts.ts";
import { taskRoutes } from "./routes/tasks.ts";
import { transcriptionAdminRoutes, transcriptionRoutes } from "./routes/transcription.ts";
import { usageRoutes } from "./routes/usage.ts";
import { staticUi } from "./static.ts";

/**
 * The HTTP adapter. Routes are thin: check auth, decode input, call a domain function, map errors.
 * Route modules are plugins taking the context explicitly: configuration and domain services, no database.
 * Webhook deliveries are signed over their raw bytes: mounted before the JSON parser (`bodyLimit`).
 */
export function createApp(ctx: HttpContext) {
  // Two chains for the type checker only: one this long exceeds its instantiation depth (TS2589).
  const first = new Elysia({
    serve: { maxRequestBodySize: backstopBodyLimit(ctx.config.server.max_body_bytes) },
  })
    .onError(({ code, error, request }) => {
      const mapped = mapThrown(code, error);
      if (mapped.code === "internal") {
        ctx.log.error("request failed", { path: new URL(request.url).pathname, error: String(error) });
      }
      if (mapped.code === "not_found" && !new URL(request.url).pathname.startsWith("/api/")) return;
      return errorResponse(mapped.code, mapped.message);
    })
    .use(fileRoutes(ctx))
    .use(hookDeliveryRoutes(ctx))
    .use(transcriptionRoutes(ctx))
    .use(canvasRoutes(ctx))
    .use(bodyLimit(ctx))
    .use(healthRoutes(ctx))
    .use(oidcRoutes(ctx))
    .use(authRoutes(ctx))
    .use(accountRoutes(ctx))
    .use(adminRoutes(ctx))
    .use(adminSsoRoutes(ctx))
    .use(accountSsoRoutes(ctx))
    .use(providerAdminRoutes(ctx))
    .use(searchAdminRoutes(ctx))
    .use(defaultModelRoutes(ctx))
    .use(transcriptionAdminRoutes(ctx))
    .use(modelRoutes(ctx))
    .use(usageRoutes(ctx))
    .use(budgetAdminRoutes(ctx))
    .use(myUsageRoutes(ctx))
    .use(llmProxyRoutes(ctx)) as unknown as Elysia;
  return first
    .use(projectRoutes(ctx))
    .use(memberRoutes(ctx))
    .use(sessionRoutes(ctx))
    .use(shareRoutes(ctx))
    .use(memoryRoutes(ctx))
    .use(taskRoutes(ctx))
    .use(reviewRoutes(ctx))
    .use(scheduleRoutes(ctx))
    .use(adminScheduleRoutes(ctx))
    .use(notificationRoutes(ctx))
    .use(muxRoutes(ctx, ctx.services.mux))
    .all("/api/*", () => errorResponse("not_found", "no such API route"))
    .use(staticUi(ctx));
}

export type App = ReturnType<typeof createApp>;

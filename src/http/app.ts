import { Elysia } from "elysia";
import type { ServerContext } from "../server/context.ts";
import { errorResponse, mapThrown } from "./errors.ts";
import { healthRoutes } from "./routes/health.ts";
import { staticUi } from "./static.ts";

/**
 * The HTTP adapter. Routes are thin: check auth, decode input, call a domain function, map errors.
 * Route modules are plugins taking the context explicitly.
 */
export function createApp(ctx: ServerContext) {
  return new Elysia({ serve: { maxRequestBodySize: ctx.config.server.max_body_bytes } })
    .onError(({ code, error, request }) => {
      const mapped = mapThrown(code, error);
      if (mapped.code === "internal") {
        ctx.log.error("request failed", { path: new URL(request.url).pathname, error: String(error) });
      }
      if (mapped.code === "not_found" && !new URL(request.url).pathname.startsWith("/api/")) return;
      return errorResponse(mapped.code, mapped.message);
    })
    .use(healthRoutes(ctx))
    .all("/api/*", () => errorResponse("not_found", "no such API route"))
    .use(staticUi(ctx));
}

export type App = ReturnType<typeof createApp>;

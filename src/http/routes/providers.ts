import { Elysia } from "elysia";
import { proxyError } from "../../llm/wire.ts";
import type { EmbeddingStatus, ModelsResponse } from "../../protocol/llm.ts";
import { authGuard } from "../auth.ts";
import type { HttpContext } from "../context.ts";
import { unwrap } from "../errors.ts";

/** Admin: LLM providers and their models. Responses never carry key material. */
export function providerAdminRoutes(ctx: HttpContext) {
  const providers = ctx.services.llm.admin;
  const actor = (auth: { user: { id: string } | null }) => auth.user?.id ?? "admin-socket";
  return new Elysia({ prefix: "/api/admin/providers" })
    .use(authGuard(ctx, { role: "admin" }))
    .get("/", () => ({ providers: providers.list() }))
    .post("/", ({ auth, body }) => {
      const provider = unwrap(providers.create(body));
      ctx.log.info("llm provider created", { by: actor(auth), provider: provider.name });
      return { provider };
    })
    .get("/:name", ({ params }) => ({ provider: unwrap(providers.get(params.name)) }))
    .post("/test", async ({ body }) => unwrap(await providers.test(body)))
    .get("/:name/models", async ({ params }) => ({
      models: unwrap(await providers.upstreamModels(params.name)),
    }))
    .patch("/:name", ({ auth, params, body }) => {
      const provider = unwrap(providers.update(params.name, body));
      ctx.log.info("llm provider updated", { by: actor(auth), provider: provider.name });
      return { provider };
    })
    .delete("/:name", ({ auth, params }) => {
      unwrap(providers.delete(params.name));
      ctx.log.info("llm provider deleted", { by: actor(auth), provider: params.name });
      return { ok: true };
    })
    .put("/:name/models/:model", ({ auth, params, body }) => {
      const provider = unwrap(providers.putModel(params.name, decodeURIComponent(params.model), body ?? {}));
      ctx.log.info("llm model saved", { by: actor(auth), provider: params.name, model: params.model });
      return { provider };
    })
    .delete("/:name/models/:model", ({ auth, params }) => {
      const provider = unwrap(providers.deleteModel(params.name, decodeURIComponent(params.model)));
      ctx.log.info("llm model deleted", { by: actor(auth), provider: params.name, model: params.model });
      return { provider };
    });
}

/** Admin: the default model for new conversations (overrides `llm.default_model`). */
export function defaultModelRoutes(ctx: HttpContext) {
  return new Elysia()
    .use(authGuard(ctx, { role: "admin" }))
    .put("/api/admin/default-model", ({ auth, body }): ModelsResponse => {
      const chosen = unwrap(ctx.services.llm.admin.setDefaultModel(body));
      ctx.log.info("default model set", { by: auth.user?.id ?? "admin-socket", model: chosen });
      return ctx.services.llm.models();
    })
    .get("/api/admin/embedding", (): { embedding: EmbeddingStatus } => ({
      embedding: ctx.services.memoryEmbedder.status(),
    }))
    .put("/api/admin/embedding", ({ auth, body }): { embedding: EmbeddingStatus } => {
      const chosen = unwrap(ctx.services.llm.admin.setEmbeddingModel(body));
      ctx.log.info("embedding model set", { by: auth.user?.id ?? "admin-socket", model: chosen });
      // Every memory without a vector of the new model is embedded again, in the background.
      ctx.services.memoryEmbedder.kick();
      return { embedding: ctx.services.memoryEmbedder.status() };
    });
}

/** Any signed-in user: the models they may pick for a session. */
export function modelRoutes(ctx: HttpContext) {
  return new Elysia().use(authGuard(ctx)).get("/api/models", (): ModelsResponse => ctx.services.llm.models());
}

/**
 * No LLM proxy on the HTTP port. Session tokens work only on the gateway socket bound into their
 * sandbox: a token copied out of a sandbox buys nothing from the network. `/api/llm/…` (where the
 * proxy used to be mounted) answers 403 `llm_socket_only`, in the OpenAI error shape pi displays.
 */
export function llmProxyRoutes(_ctx: HttpContext) {
  const refusal = "LLM calls are served only on the sandbox's gateway socket, not on the HTTP port";
  return new Elysia({ name: "octo-llm-refusal" }).onRequest(({ request }) => {
    if (new URL(request.url).pathname.startsWith("/api/llm/"))
      return proxyError(null, 403, "llm_socket_only", refusal);
  });
}

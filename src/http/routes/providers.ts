import { Elysia } from "elysia";
import { setDefaultModel } from "../../llm/default-model.ts";
import {
  createProvider,
  deleteModel,
  deleteProvider,
  getProvider,
  putModel,
  updateProvider,
} from "../../llm/provider-admin.ts";
import { probeProvider, upstreamModels } from "../../llm/provider-probe.ts";
import {
  defaultModel,
  findProvider,
  listProviders,
  type ProviderDeps,
  pickableModels,
  publicProvider,
} from "../../llm/providers.ts";
import { createLlmProxy } from "../../llm/proxy.ts";
import { createTokenStore } from "../../llm/tokens.ts";
import { OctoError, type Result } from "../../protocol/errors.ts";
import type { ModelsResponse } from "../../protocol/llm.ts";
import type { ServerContext } from "../../server/context.ts";
import { authGuard } from "../auth.ts";

function orThrow<T>(r: Result<T>): T {
  if (!r.ok) throw new OctoError(r.error.code, r.error.message);
  return r.value;
}

const providerDeps = (ctx: ServerContext): ProviderDeps => ({
  db: ctx.db,
  configured: ctx.config.llm.providers,
});

/** Admin: LLM providers and their models. Responses never carry key material. */
export function providerAdminRoutes(ctx: ServerContext) {
  const deps = providerDeps(ctx);
  const actor = (auth: { user: { id: string } | null }) => auth.user?.id ?? "admin-socket";
  return new Elysia({ prefix: "/api/admin/providers" })
    .use(authGuard(ctx, { role: "admin" }))
    .get("/", () => ({ providers: listProviders(deps).map((p) => publicProvider(p)) }))
    .post("/", ({ auth, body }) => {
      const provider = orThrow(createProvider(deps, body));
      ctx.log.info("llm provider created", { by: actor(auth), provider: provider.name });
      return { provider };
    })
    .post("/test", async ({ body }) => orThrow(await probeProvider(deps, body)))
    .get("/:name", ({ params }) => ({ provider: orThrow(getProvider(deps, params.name)) }))
    .get("/:name/models", async ({ params }) => {
      const provider = findProvider(deps, params.name);
      if (!provider) throw new OctoError("not_found", `no LLM provider "${params.name}"`);
      return { models: orThrow(await upstreamModels(deps, provider)) };
    })
    .patch("/:name", ({ auth, params, body }) => {
      const provider = orThrow(updateProvider(deps, params.name, body));
      ctx.log.info("llm provider updated", { by: actor(auth), provider: provider.name });
      return { provider };
    })
    .delete("/:name", ({ auth, params }) => {
      orThrow(deleteProvider(deps, params.name));
      ctx.log.info("llm provider deleted", { by: actor(auth), provider: params.name });
      return { ok: true };
    })
    .put("/:name/models/:model", ({ auth, params, body }) => {
      const provider = orThrow(putModel(deps, params.name, decodeURIComponent(params.model), body ?? {}));
      ctx.log.info("llm model saved", { by: actor(auth), provider: params.name, model: params.model });
      return { provider };
    })
    .delete("/:name/models/:model", ({ auth, params }) => {
      const provider = orThrow(deleteModel(deps, params.name, decodeURIComponent(params.model)));
      ctx.log.info("llm model deleted", { by: actor(auth), provider: params.name, model: params.model });
      return { provider };
    });
}

/** Admin: the default model for new conversations (overrides `llm.default_model`). */
export function defaultModelRoutes(ctx: ServerContext) {
  const deps = providerDeps(ctx);
  return new Elysia()
    .use(authGuard(ctx, { role: "admin" }))
    .put("/api/admin/default-model", ({ auth, body }): ModelsResponse => {
      const chosen = orThrow(setDefaultModel(deps, body));
      ctx.log.info("default model set", { by: auth.user?.id ?? "admin-socket", model: chosen });
      return {
        models: pickableModels(deps),
        default_model: defaultModel(deps, ctx.config.llm.default_model),
      };
    });
}

/** Any signed-in user: the models they may pick for a session. */
export function modelRoutes(ctx: ServerContext) {
  const deps = providerDeps(ctx);
  return new Elysia().use(authGuard(ctx)).get(
    "/api/models",
    (): ModelsResponse => ({
      models: pickableModels(deps),
      default_model: defaultModel(deps, ctx.config.llm.default_model),
    }),
  );
}

/**
 * The LLM proxy on the HTTP port, at `/api/llm/p/<provider>/v1/…`, for agents that cannot use a
 * unix socket (e.g. a runner on another host). Authenticated by session tokens, not by the user
 * guard. It answers in `onRequest`, before any body parser, so request bytes are relayed as sent;
 * bodies are bounded by `server.max_body_bytes` here (the per-user socket allows 32 MiB).
 */
export function llmProxyRoutes(ctx: ServerContext) {
  const proxy = createLlmProxy({
    ...providerDeps(ctx),
    tokens: createTokenStore(ctx.db),
    log: ctx.log.child({ area: "llm" }),
    maxBodyBytes: ctx.config.server.max_body_bytes,
  });
  return new Elysia({ name: "octo-llm-proxy" }).onRequest(({ request, server }) => {
    if (new URL(request.url).pathname.startsWith("/api/llm/p/")) return proxy(request, { server });
  });
}

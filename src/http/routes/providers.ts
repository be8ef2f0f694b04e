import { Elysia } from "elysia";
import {
  createProvider,
  deleteModel,
  deleteProvider,
  getProvider,
  putModel,
  updateProvider,
} from "../../llm/provider-admin.ts";
import {
  defaultModel,
  listProviders,
  type ProviderDeps,
  pickableModels,
  publicProvider,
} from "../../llm/providers.ts";
import { proxyError } from "../../llm/wire.ts";
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
    .get("/:name", ({ params }) => ({ provider: orThrow(getProvider(deps, params.name)) }))
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
 * No LLM proxy on the HTTP port. Session tokens work only on the gateway socket bound into their
 * sandbox: a token copied out of a sandbox buys nothing from the network. `/api/llm/…` (where the
 * proxy used to be mounted) answers 403 `llm_socket_only`, in the OpenAI error shape pi displays.
 */
export function llmProxyRoutes(_ctx: ServerContext) {
  const refusal = "LLM calls are served only on the sandbox's gateway socket, not on the HTTP port";
  return new Elysia({ name: "octo-llm-refusal" }).onRequest(({ request }) => {
    if (new URL(request.url).pathname.startsWith("/api/llm/"))
      return proxyError(null, 403, "llm_socket_only", refusal);
  });
}

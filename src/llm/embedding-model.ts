import { decode } from "../protocol/decode.ts";
import { fail, ok, type Result } from "../protocol/errors.ts";
import { EmbeddingModelBody, type ModelSpec } from "../protocol/llm.ts";
import { serverSettingsRepo } from "../storage/server-settings.ts";
import { findProvider, type LlmProvider, type ProviderDeps } from "./providers.ts";

/**
 * The embedding model an admin picks (Admin → Models): "provider/model" on an OpenAI-compatible
 * provider, stored as a server setting. Memories are embedded with it through the LLM gateway's
 * `/embeddings` route (decision 0019); unset, memory search is FTS5 only.
 */
export const EMBEDDING_MODEL_KEY = "llm.embedding_model";

export interface EmbeddingModel {
  /** "provider/model": what each stored vector is labelled with. */
  ref: string;
  provider: LlmProvider;
  /** The provider's listed spec for it (its price meters the calls), or a free one. */
  model: ModelSpec;
}

function specOf(provider: LlmProvider, id: string): ModelSpec {
  return (
    provider.models.find((m) => m.id === id) ?? {
      id,
      context_window: 8192,
      max_tokens: 1,
      reasoning: false,
      images: false,
      input_price: 0,
      output_price: 0,
      cache_read_price: 0,
      cache_write_price: 0,
    }
  );
}

function resolve(deps: ProviderDeps, ref: string): Result<EmbeddingModel> {
  const slash = ref.indexOf("/");
  const provider = findProvider(deps, ref.slice(0, slash));
  if (!provider) return fail("not_found", `no LLM provider "${ref.slice(0, slash)}"`);
  if (provider.kind !== "openai")
    return fail("validation_failed", `provider "${provider.name}" is not OpenAI-compatible (no /embeddings)`);
  return ok({ ref, provider, model: specOf(provider, ref.slice(slash + 1)) });
}

/** The configured embedding model, or null (none set, or its provider is gone). */
export function embeddingModel(deps: ProviderDeps): EmbeddingModel | null {
  const ref = serverSettingsRepo(deps.db).get(EMBEDDING_MODEL_KEY);
  if (!ref) return null;
  const found = resolve(deps, ref);
  return found.ok ? found.value : null;
}

export function setEmbeddingModel(
  deps: ProviderDeps,
  input: unknown,
  now = Date.now(),
): Result<string | null> {
  const body = decode(EmbeddingModelBody, input, "embedding model");
  if (!body.ok) return body;
  const settings = serverSettingsRepo(deps.db);
  if (body.value.model === null) {
    settings.delete(EMBEDDING_MODEL_KEY);
    return ok(null);
  }
  const found = resolve(deps, body.value.model);
  if (!found.ok) return fail("validation_failed", `embedding model: ${found.error.message}`);
  settings.set(EMBEDDING_MODEL_KEY, body.value.model, now);
  return ok(body.value.model);
}

import * as v from "valibot";
import { idSchema } from "./ids.ts";

/**
 * LLM providers, models and usage as the HTTP API shows them. Key material never appears in a
 * response: only whether a key is configured and where it comes from.
 *
 * Admin (role admin):
 *   GET    /api/admin/providers                      → { providers: Provider[] }
 *   POST   /api/admin/providers        ProviderBody  → { provider }
 *   GET    /api/admin/providers/:name                → { provider }
 *   PATCH  /api/admin/providers/:name  ProviderPatch → { provider }
 *   DELETE /api/admin/providers/:name                → { ok: true }
 *   PUT    /api/admin/providers/:name/models/:model  ModelBody (id optional) → { provider }
 *   DELETE /api/admin/providers/:name/models/:model  → { provider }
 *   POST   /api/admin/providers/test  ProviderProbeBody → ProviderProbeResponse (a failure is an answer)
 *   GET    /api/admin/providers/:name/models → { models: UpstreamModel[] } (as the provider lists them)
 *   PUT    /api/admin/default-model   DefaultModelBody → ModelsResponse
 * Any signed-in user:
 *   GET /api/models                                  → ModelsResponse
 *   GET /api/usage?session_id=|project_id=|user_id=  → UsageResponse (own usage; admins: anyone's)
 */

export const ProviderName = v.pipe(
  v.string(),
  v.regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, "a provider name is 1-32 characters of a-z, 0-9, _ or -"),
);
export const ProviderKind = v.picklist(["openai", "anthropic"]);
export type ProviderKind = v.InferOutput<typeof ProviderKind>;

/** Model ids are passed to the provider verbatim; `/` is allowed (e.g. OpenRouter's "vendor/model"). */
export const ModelId = v.pipe(
  v.string(),
  v.minLength(1, "a model id is required"),
  v.maxLength(200),
  v.regex(/^[^\s]+$/, "a model id has no spaces"),
);

const tokens = v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(100_000_000));
const price = v.pipe(v.number(), v.minValue(0), v.maxValue(100_000));

/** Prices are USD per 1M tokens. */
export const ModelBody = v.strictObject({
  id: ModelId,
  name: v.optional(v.pipe(v.string(), v.maxLength(200))),
  context_window: v.optional(tokens, 128000),
  max_tokens: v.optional(tokens, 16384),
  reasoning: v.optional(v.boolean(), false),
  images: v.optional(v.boolean(), false),
  /** Absent: the price is unknown (shown as unknown, never as zero; see decision 0023). */
  input_price: v.optional(price),
  output_price: v.optional(price),
  /** Absent: cache tokens are charged at the input price (an upper bound for cache reads). */
  cache_read_price: v.optional(price),
  cache_write_price: v.optional(price),
});
export type ModelBody = v.InferInput<typeof ModelBody>;
export type ModelSpec = v.InferOutput<typeof ModelBody>;

/** PUT …/models/:model takes the id from the path. */
export const ModelPutBody = v.strictObject({ ...ModelBody.entries, id: v.optional(ModelId) });

const baseUrl = v.pipe(
  v.string(),
  v.url("base_url must be an absolute URL"),
  v.regex(/^https?:\/\//, "base_url must be http:// or https://"),
);
const envName = v.pipe(v.string(), v.regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, "an environment variable name"));
const absPath = v.pipe(v.string(), v.regex(/^\/[^\0]*$/, "an absolute file path"), v.maxLength(4096));
const secret = v.pipe(
  v.string(),
  v.minLength(1),
  v.maxLength(8192),
  v.regex(/^[^\s]+$/, "a key has no spaces"),
);

/** Where the real key comes from: one of env, file or a key stored by the server (write-only). */
const keySource = {
  api_key_env: v.optional(envName),
  api_key_file: v.optional(absPath),
  /** Stored in the server's database; never returned by any route. */
  api_key: v.optional(secret),
};

export const ProviderBody = v.strictObject({
  name: ProviderName,
  kind: ProviderKind,
  base_url: baseUrl,
  ...keySource,
  models: v.optional(v.pipe(v.array(ModelBody), v.maxLength(500)), []),
});
export type ProviderBody = v.InferInput<typeof ProviderBody>;

/** Fields absent are left as they are; `null` clears a key source. `models` replaces the list. */
export const ProviderPatch = v.strictObject({
  kind: v.optional(ProviderKind),
  base_url: v.optional(baseUrl),
  api_key_env: v.optional(v.nullable(envName)),
  api_key_file: v.optional(v.nullable(absPath)),
  api_key: v.optional(v.nullable(secret)),
  models: v.optional(v.pipe(v.array(ModelBody), v.maxLength(500))),
});
export type ProviderPatch = v.InferInput<typeof ProviderPatch>;

export const KeySource = v.picklist(["env", "file", "stored", "none"]);
export type KeySource = v.InferOutput<typeof KeySource>;

export const ModelInfo = v.object({
  id: v.string(),
  name: v.string(),
  context_window: v.number(),
  max_tokens: v.number(),
  reasoning: v.boolean(),
  images: v.boolean(),
  /** USD per 1M tokens; null: unknown. */
  input_price: v.nullable(v.number()),
  output_price: v.nullable(v.number()),
  cache_read_price: v.nullable(v.number()),
  cache_write_price: v.nullable(v.number()),
});
export type ModelInfo = v.InferOutput<typeof ModelInfo>;

export const Provider = v.object({
  name: ProviderName,
  kind: ProviderKind,
  base_url: v.string(),
  /** "config": from config.toml, read-only in the API. "admin": managed through the API. */
  source: v.picklist(["config", "admin"]),
  key: v.object({
    source: KeySource,
    /** The env var name or file path (never the key itself). */
    from: v.nullable(v.string()),
    /** Whether a non-empty key can be read right now. */
    configured: v.boolean(),
  }),
  models: v.array(ModelInfo),
});
export type Provider = v.InferOutput<typeof Provider>;

export const ProvidersResponse = v.object({ providers: v.array(Provider) });
export const ProviderResponse = v.object({ provider: Provider });

/** A model a user may pick: `id` is "provider/model". */
export const PickableModel = v.object({
  ...ModelInfo.entries,
  id: v.string(),
  provider: ProviderName,
  model: v.string(),
  /** False when the provider's key cannot be read: picking it would fail. */
  available: v.boolean(),
});
export type PickableModel = v.InferOutput<typeof PickableModel>;

export const ModelsResponse = v.object({
  models: v.array(PickableModel),
  /** "provider/model" or "" when none is configured. */
  default_model: v.string(),
});
export type ModelsResponse = v.InferOutput<typeof ModelsResponse>;

/** `model: null` goes back to config.toml's `llm.default_model`. */
export const DefaultModelBody = v.strictObject({ model: v.nullable(v.pipe(v.string(), v.maxLength(240))) });

/** A model as the provider itself lists it (`GET /v1/models`). */
export const UpstreamModel = v.object({ id: v.string(), name: v.string() });
export type UpstreamModel = v.InferOutput<typeof UpstreamModel>;
export const UpstreamModelsResponse = v.object({ models: v.array(UpstreamModel) });

/**
 * A connection test: the form's values, or an existing provider by `name` (its stored key is used
 * unless the form gives another). Nothing is saved.
 */
export const ProviderProbeBody = v.strictObject({
  name: v.optional(ProviderName),
  kind: v.optional(ProviderKind),
  base_url: v.optional(baseUrl),
  ...keySource,
});
export type ProviderProbeBody = v.InferInput<typeof ProviderProbeBody>;
export const ProviderProbeResponse = v.object({
  ok: v.boolean(),
  /** Plain words for the admin: what worked, or what to check. */
  message: v.string(),
  models: v.array(UpstreamModel),
});
export type ProviderProbeResponse = v.InferOutput<typeof ProviderProbeResponse>;

// ---- usage ----

export const UsageQuery = v.strictObject({
  session_id: v.optional(idSchema("ses")),
  project_id: v.optional(idSchema("prj")),
  /** Admins only; others always see their own usage. */
  user_id: v.optional(idSchema("usr")),
});
export type UsageQuery = v.InferOutput<typeof UsageQuery>;

export const UsageTotals = v.object({
  requests: v.number(),
  input_tokens: v.number(),
  output_tokens: v.number(),
  cache_read_tokens: v.number(),
  cache_write_tokens: v.number(),
  /** USD, from the model's prices at the time of each call (calls at an unknown price add nothing). */
  cost: v.number(),
  /** Calls whose model had no price: their cost is unknown, never zero. */
  unknown_requests: v.number(),
});
export type UsageTotals = v.InferOutput<typeof UsageTotals>;

export const UsageResponse = v.object({
  totals: UsageTotals,
  /** One row per "provider/model", most expensive first. */
  by_model: v.array(v.object({ ...UsageTotals.entries, model: v.string() })),
});
export type UsageResponse = v.InferOutput<typeof UsageResponse>;

// ---- embeddings (memory search, decision 0019) ----

/**
 * The model memories are embedded with, "provider/model" on an OpenAI-compatible provider; `null`
 * turns vector search off (search is FTS5 only). The model need not be in the provider's chat list.
 *   GET /api/admin/embedding → EmbeddingResponse;  PUT /api/admin/embedding EmbeddingModelBody → EmbeddingResponse
 */
export const EmbeddingModelBody = v.strictObject({
  model: v.nullable(
    v.pipe(
      v.string(),
      v.maxLength(240),
      v.regex(/^[a-z0-9][a-z0-9_-]{0,31}\/[^\s]+$/, "a model as provider/model-id"),
    ),
  ),
});

/** How far the background embedder is: `embedded` of `total` memories have a vector of `model`. */
export const EmbeddingStatus = v.object({
  model: v.nullable(v.string()),
  total: v.number(),
  embedded: v.number(),
  running: v.boolean(),
  /** The last failure (cleared by the next success); null when none. */
  last_error: v.nullable(v.string()),
});
export type EmbeddingStatus = v.InferOutput<typeof EmbeddingStatus>;
export const EmbeddingResponse = v.object({ embedding: EmbeddingStatus });

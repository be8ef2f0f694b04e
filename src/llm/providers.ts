import type { Database } from "bun:sqlite";
import { readFile } from "node:fs/promises";
import * as v from "valibot";
import type { LlmProviderConfig } from "../config/schema.ts";
import { type Failure, fail, ok, type Result } from "../protocol/errors.ts";
import {
  ModelBody,
  type ModelInfo,
  type ModelSpec,
  type PickableModel,
  type Provider,
  type ProviderKind,
} from "../protocol/llm.ts";
import { llmProvidersRepo, type ProviderRow } from "../storage/llm.ts";
import { serverSettingsRepo } from "../storage/server-settings.ts";

/** The server setting that overrides `llm.default_model`. */
export const DEFAULT_MODEL_KEY = "llm.default_model";

/**
 * The effective providers: those in config.toml plus those an admin added through the API.
 * Keys are resolved when a request needs one, so rotating a key file or env var needs no restart.
 */

export interface KeyRef {
  /** Tried in this order; the first non-empty value wins. */
  stored?: string;
  env?: string;
  file?: string;
}

export interface LlmProvider {
  name: string;
  kind: ProviderKind;
  base_url: string;
  source: "config" | "admin";
  key: KeyRef;
  models: ModelSpec[];
}

export interface ProviderDeps {
  db: Database;
  /** `config.llm.providers`. */
  configured: readonly LlmProviderConfig[];
  /** Where `api_key_env` is looked up; the server's environment by default. */
  env?: Record<string, string | undefined>;
}

const ModelList = v.array(ModelBody);

export function fromConfig(p: LlmProviderConfig): LlmProvider {
  return {
    name: p.name,
    kind: p.kind,
    base_url: p.base_url,
    source: "config",
    key: { env: p.api_key_env, file: p.api_key_file },
    models: p.models.map((m) => ({ ...m })),
  };
}

export function fromRow(row: ProviderRow): LlmProvider {
  const models = v.safeParse(ModelList, JSON.parse(row.models));
  return {
    name: row.name,
    kind: row.kind,
    base_url: row.base_url,
    source: "admin",
    key: {
      stored: row.api_key ?? undefined,
      env: row.api_key_env ?? undefined,
      file: row.api_key_file ?? undefined,
    },
    models: models.success ? models.output : [],
  };
}

/** Config providers first (they win a name clash), then admin-managed ones by name. */
export function listProviders(deps: ProviderDeps): LlmProvider[] {
  const fromFile = deps.configured.map(fromConfig);
  const taken = new Set(fromFile.map((p) => p.name));
  const stored = llmProvidersRepo(deps.db)
    .list()
    .map(fromRow)
    .filter((p) => !taken.has(p.name));
  return [...fromFile, ...stored];
}

export function findProvider(deps: ProviderDeps, name: string): LlmProvider | null {
  const configured = deps.configured.find((p) => p.name === name);
  if (configured) return fromConfig(configured);
  const row = llmProvidersRepo(deps.db).get(name);
  return row ? fromRow(row) : null;
}

/** Reads the provider's real key. The value must only ever go into an upstream request header. */
export async function resolveKey(
  provider: LlmProvider,
  env: Record<string, string | undefined> = process.env,
): Promise<Result<string>> {
  const { stored, env: envName, file } = provider.key;
  if (stored) return ok(stored);
  if (envName) {
    const value = env[envName]?.trim();
    if (value) return ok(value);
  }
  if (file) {
    try {
      const value = (await readFile(file, "utf8")).trim();
      if (value) return ok(value);
    } catch {
      // Reported below with the other "no key" cases; the reason (missing, unreadable) is in `where`.
    }
  }
  return fail(
    "no_provider",
    `no API key for LLM provider "${provider.name}": ${describeMissingKey(provider)}`,
  );
}

function describeMissingKey(p: LlmProvider): string {
  const where: string[] = [];
  if (p.key.env) where.push(`environment variable ${p.key.env} is not set on the server`);
  if (p.key.file) where.push(`key file ${p.key.file} is missing, unreadable or empty`);
  if (where.length === 0) {
    where.push(
      p.source === "config"
        ? "set api_key_env or api_key_file for it in the config file"
        : "set api_key, api_key_env or api_key_file for it (admin → providers)",
    );
  }
  return where.join("; ");
}

function keyView(p: LlmProvider, env: Record<string, string | undefined>): Provider["key"] {
  if (p.key.stored) return { source: "stored", from: null, configured: true };
  const envOk = Boolean(p.key.env && env[p.key.env]?.trim());
  if (envOk || (p.key.env && !p.key.file))
    return { source: "env", from: p.key.env ?? null, configured: envOk };
  if (p.key.file) return { source: "file", from: p.key.file, configured: fileHasKey(p.key.file) };
  return { source: "none", from: null, configured: false };
}

function fileHasKey(path: string): boolean {
  try {
    const file = Bun.file(path);
    return file.size > 0;
  } catch {
    return false;
  }
}

function modelInfo(m: ModelSpec): ModelInfo {
  return {
    ...m,
    name: m.name || m.id,
    input_price: m.input_price ?? null,
    output_price: m.output_price ?? null,
    cache_read_price: m.cache_read_price ?? null,
    cache_write_price: m.cache_write_price ?? null,
  };
}

/** The API view of a provider: everything but key material. */
export function publicProvider(
  p: LlmProvider,
  env: Record<string, string | undefined> = process.env,
): Provider {
  return {
    name: p.name,
    kind: p.kind,
    base_url: p.base_url,
    source: p.source,
    key: keyView(p, env),
    models: p.models.map(modelInfo),
  };
}

/** Every model of every provider, as "provider/model", for the model picker. */
export function pickableModels(deps: ProviderDeps): PickableModel[] {
  const env = deps.env ?? process.env;
  return listProviders(deps).flatMap((p) => {
    const available = keyView(p, env).configured;
    return p.models.map((m) => ({
      ...modelInfo(m),
      id: `${p.name}/${m.id}`,
      provider: p.name,
      model: m.id,
      available,
    }));
  });
}

export interface ModelRef {
  provider: LlmProvider;
  model: ModelSpec;
}

/** Resolves "provider/model" (the model part may itself contain "/"). */
export function resolveModel(deps: ProviderDeps, ref: string): Result<ModelRef> {
  const slash = ref.indexOf("/");
  if (slash <= 0 || slash === ref.length - 1) {
    return fail("bad_request", `model "${ref}" is not of the form provider/model`);
  }
  const provider = findProvider(deps, ref.slice(0, slash));
  if (!provider) return fail("not_found", `no LLM provider "${ref.slice(0, slash)}" (see GET /api/models)`);
  const model = provider.models.find((m) => m.id === ref.slice(slash + 1));
  if (!model) return fail("not_found", `provider "${provider.name}" has no model "${ref.slice(slash + 1)}"`);
  return ok({ provider, model });
}

/** Read by everyone who starts a conversation: plain words and where to go, no API paths or files. */
export function noProviderError(_configFile?: string): Failure {
  return fail(
    "no_provider",
    "No AI model is set up yet, so conversations cannot start. An admin can add one in Admin → Models (/admin/models).",
  );
}

/** Session start calls this first: at least one provider with at least one model must exist. */
export function ensureProviders(deps: ProviderDeps, configFile?: string): Result<LlmProvider[]> {
  const usable = listProviders(deps).filter((p) => p.models.length > 0);
  return usable.length > 0 ? ok(usable) : noProviderError(configFile);
}

/**
 * The default model ("provider/model"): the one an admin chose (Admin → Models), else config.toml's,
 * else the first model of the first provider.
 */
export function defaultModel(deps: ProviderDeps, configured: string): string {
  const chosen = serverSettingsRepo(deps.db).get(DEFAULT_MODEL_KEY);
  if (chosen && resolveModel(deps, chosen).ok) return chosen;
  if (configured && resolveModel(deps, configured).ok) return configured;
  const first = listProviders(deps).find((p) => p.models.length > 0);
  return first ? `${first.name}/${(first.models[0] as ModelSpec).id}` : "";
}

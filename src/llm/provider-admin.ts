import type * as v from "valibot";
import { decode } from "../protocol/decode.ts";
import { fail, ok, type Result } from "../protocol/errors.ts";
import {
  ModelBody,
  ModelPutBody,
  type ModelSpec,
  type Provider,
  ProviderBody,
  ProviderPatch,
  type ProviderProbeResponse,
  type UpstreamModel,
} from "../protocol/llm.ts";
import { llmProvidersRepo, type ProviderRow } from "../storage/llm.ts";
import { setDefaultModel } from "./default-model.ts";
import { setEmbeddingModel } from "./embedding-model.ts";
import { probeProvider, upstreamModels } from "./provider-probe.ts";
import {
  findProvider,
  fromConfig,
  fromRow,
  listProviders,
  type ProviderDeps,
  publicProvider,
} from "./providers.ts";

/**
 * Admin-managed providers (the ones not in config.toml). Inputs are decoded here too, so the same
 * rules hold for HTTP, octoctl and tests. Every answer is the public view: no key material.
 */

type Input = v.InferOutput<typeof ProviderBody>;

function oneKeySource(p: { api_key?: unknown; api_key_env?: unknown; api_key_file?: unknown }): Result<true> {
  const set = [p.api_key, p.api_key_env, p.api_key_file].filter((x) => x !== undefined && x !== null);
  return set.length <= 1
    ? ok(true)
    : fail("validation_failed", "give at most one of api_key, api_key_env and api_key_file");
}

function uniqueModels(models: readonly ModelSpec[]): Result<true> {
  const seen = new Set<string>();
  for (const m of models) {
    if (seen.has(m.id)) return fail("validation_failed", `model "${m.id}" is listed twice`);
    seen.add(m.id);
  }
  return ok(true);
}

function configOwned(deps: ProviderDeps, name: string): Result<never> | null {
  if (!deps.configured.some((p) => p.name === name)) return null;
  return fail(
    "conflict",
    `provider "${name}" is defined in the config file; change it there and restart octo`,
  );
}

const view = (deps: ProviderDeps, row: ProviderRow): Provider => publicProvider(fromRow(row), deps.env);

export function createProvider(deps: ProviderDeps, input: unknown, now = Date.now()): Result<Provider> {
  const body = decode(ProviderBody, input);
  if (!body.ok) return body;
  const p: Input = body.value;
  const checks = [oneKeySource(p), uniqueModels(p.models)].find((r) => !r.ok);
  if (checks) return checks as Result<never>;
  const clash = configOwned(deps, p.name);
  if (clash) return clash;
  const repo = llmProvidersRepo(deps.db);
  if (repo.get(p.name)) return fail("conflict", `provider "${p.name}" already exists`);
  const row: ProviderRow = {
    name: p.name,
    kind: p.kind,
    base_url: p.base_url,
    api_key: p.api_key ?? null,
    api_key_env: p.api_key_env ?? null,
    api_key_file: p.api_key_file ?? null,
    models: JSON.stringify(p.models),
    created_at: now,
    updated_at: now,
  };
  repo.insert(row);
  return ok(view(deps, row));
}

function existing(deps: ProviderDeps, name: string): Result<ProviderRow> {
  const clash = configOwned(deps, name);
  if (clash) return clash;
  const row = llmProvidersRepo(deps.db).get(name);
  return row ? ok(row) : fail("not_found", `no provider "${name}"`);
}

export function getProvider(deps: ProviderDeps, name: string): Result<Provider> {
  const configured = deps.configured.find((p) => p.name === name);
  if (configured) return ok(publicProvider(fromConfig(configured), deps.env));
  const row = llmProvidersRepo(deps.db).get(name);
  return row ? ok(view(deps, row)) : fail("not_found", `no provider "${name}"`);
}

/** Setting one key source clears the others, so a provider never has two. */
export function updateProvider(deps: ProviderDeps, name: string, input: unknown, now = Date.now()) {
  const body = decode(ProviderPatch, input);
  if (!body.ok) return body;
  const patch = body.value;
  const sources = oneKeySource(patch);
  if (!sources.ok) return sources;
  if (patch.models) {
    const unique = uniqueModels(patch.models);
    if (!unique.ok) return unique;
  }
  const found = existing(deps, name);
  if (!found.ok) return found;
  const row = { ...found.value };
  if (patch.kind) row.kind = patch.kind;
  if (patch.base_url) row.base_url = patch.base_url;
  const keyFields = ["api_key", "api_key_env", "api_key_file"] as const;
  const newSource = keyFields.find((k) => patch[k] !== undefined && patch[k] !== null);
  for (const k of keyFields) {
    if (newSource) row[k] = k === newSource ? (patch[k] as string) : null;
    else if (patch[k] === null) row[k] = null;
  }
  if (patch.models) row.models = JSON.stringify(patch.models);
  row.updated_at = now;
  llmProvidersRepo(deps.db).update(row);
  return ok(view(deps, row));
}

export function deleteProvider(deps: ProviderDeps, name: string): Result<true> {
  const found = existing(deps, name);
  if (!found.ok) return found;
  llmProvidersRepo(deps.db).delete(name);
  return ok(true);
}

/** Adds or replaces one model (the id comes from the path). */
export function putModel(
  deps: ProviderDeps,
  name: string,
  modelId: string,
  input: unknown,
  now = Date.now(),
) {
  const body = decode(ModelPutBody, input);
  if (!body.ok) return body;
  if (body.value.id !== undefined && body.value.id !== modelId) {
    return fail(
      "validation_failed",
      `id "${body.value.id}" in the body differs from "${modelId}" in the path`,
    );
  }
  const model = decode(ModelBody, { ...body.value, id: modelId });
  if (!model.ok) return model;
  const found = existing(deps, name);
  if (!found.ok) return found;
  const models = fromRow(found.value).models.filter((m) => m.id !== modelId);
  models.push(model.value);
  return updateProvider(deps, name, { models }, now);
}

export function deleteModel(deps: ProviderDeps, name: string, modelId: string, now = Date.now()) {
  const found = existing(deps, name);
  if (!found.ok) return found;
  const models = fromRow(found.value).models;
  if (!models.some((m) => m.id === modelId))
    return fail("not_found", `provider "${name}" has no model "${modelId}"`);
  return updateProvider(deps, name, { models: models.filter((m) => m.id !== modelId) }, now);
}

/** The provider administration bound to its storage, as the admin routes call it. */
export interface ProviderAdmin {
  list(): Provider[];
  create(input: unknown): Result<Provider>;
  get(name: string): Result<Provider>;
  update(name: string, input: unknown): Result<Provider>;
  delete(name: string): Result<true>;
  putModel(name: string, modelId: string, input: unknown): Result<Provider>;
  deleteModel(name: string, modelId: string): Result<Provider>;
  /** Test connection: the form's values (or a saved provider), asked for its model list. Nothing is saved. */
  test(input: unknown): Promise<Result<ProviderProbeResponse>>;
  /** The provider's own model list, to pick from instead of typing ids. */
  upstreamModels(name: string): Promise<Result<UpstreamModel[]>>;
  /** The default model for new conversations (null: back to `llm.default_model`). */
  setDefaultModel(input: unknown): Result<string | null>;
  /** The model memories are embedded with (null: memory search is FTS5 only). */
  setEmbeddingModel(input: unknown): Result<string | null>;
}

export const providerAdmin = (deps: ProviderDeps): ProviderAdmin => ({
  list: () => listProviders(deps).map((p) => publicProvider(p, deps.env)),
  create: (input) => createProvider(deps, input),
  get: (name) => getProvider(deps, name),
  update: (name, input) => updateProvider(deps, name, input),
  delete: (name) => deleteProvider(deps, name),
  putModel: (name, modelId, input) => putModel(deps, name, modelId, input),
  deleteModel: (name, modelId) => deleteModel(deps, name, modelId),
  test: (input) => probeProvider(deps, input),
  async upstreamModels(name) {
    const provider = findProvider(deps, name);
    return provider ? upstreamModels(deps, provider) : fail("not_found", `no LLM provider "${name}"`);
  },
  setDefaultModel: (input) => setDefaultModel(deps, input),
  setEmbeddingModel: (input) => setEmbeddingModel(deps, input),
});

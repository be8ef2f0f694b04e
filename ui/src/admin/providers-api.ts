import {
  EmbeddingResponse,
  type ModelBody,
  ModelsResponse,
  type ProviderBody,
  type ProviderPatch,
  type ProviderProbeBody,
  ProviderProbeResponse,
  ProviderResponse,
  ProvidersResponse,
  UpstreamModelsResponse,
} from "../../../src/protocol/llm.ts";
import { api, OkResponse } from "../api/http.ts";

/** Admin: LLM providers and their models (contracts in src/protocol/llm.ts). Keys are write-only. */

const enc = encodeURIComponent;
const base = "/api/admin/providers";

export const listProviders = () => api("GET", base, ProvidersResponse);
export const createProvider = (body: ProviderBody) => api("POST", base, ProviderResponse, { body });
export const updateProvider = (name: string, patch: ProviderPatch) =>
  api("PATCH", `${base}/${enc(name)}`, ProviderResponse, { body: patch });
export const deleteProvider = (name: string) => api("DELETE", `${base}/${enc(name)}`, OkResponse);
/** Adds or replaces one model; the id travels in the path. */
export const putModel = (provider: string, model: ModelBody) => {
  const { id, ...rest } = model;
  return api("PUT", `${base}/${enc(provider)}/models/${enc(id)}`, ProviderResponse, { body: rest });
};
export const deleteModel = (provider: string, modelId: string) =>
  api("DELETE", `${base}/${enc(provider)}/models/${enc(modelId)}`, ProviderResponse);
/** A tiny real request to the provider with the form's values; a failure is an answer in plain words. */
export const testProvider = (body: ProviderProbeBody) =>
  api("POST", `${base}/test`, ProviderProbeResponse, { body });
/** The models the provider itself offers, to pick from instead of typing ids. */
export const upstreamModels = (provider: string) =>
  api("GET", `${base}/${enc(provider)}/models`, UpstreamModelsResponse);
/** `null` goes back to the config file's `llm.default_model`. */
export const setDefaultModel = (model: string | null) =>
  api("PUT", "/api/admin/default-model", ModelsResponse, { body: { model } });
/** The model memories are embedded with (`null`: memory search is FTS only), and how far embedding is. */
export const embeddingStatus = () => api("GET", "/api/admin/embedding", EmbeddingResponse);
export const setEmbeddingModel = (model: string | null) =>
  api("PUT", "/api/admin/embedding", EmbeddingResponse, { body: { model } });

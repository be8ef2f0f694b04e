import type { ErrorCode } from "../protocol/errors.ts";
import type { ProviderKind } from "../protocol/llm.ts";
import type { LlmProvider } from "./providers.ts";
import { TOKEN_PREFIX } from "./tokens.ts";

/**
 * What the proxy reads from and writes to the wire, in each provider's own dialect, so pi's SDKs
 * parse the proxy's own errors exactly like the provider's.
 */

/** The proxy's own failures, shaped as the provider's error body so pi shows the message. */
export function proxyError(
  kind: ProviderKind | null,
  status: number,
  code: ErrorCode,
  message: string,
): Response {
  const text = `octo LLM proxy: ${message}`;
  const body =
    kind === "anthropic"
      ? { type: "error", error: { type: code, message: text } }
      : { error: { message: text, type: "octo_proxy_error", code, param: null } };
  return Response.json(body, { status, headers: { "x-octo-error": code } });
}

/** The session token pi sent: OpenAI SDKs use `Authorization: Bearer`, Anthropic's `x-api-key`. */
export function presentedToken(headers: Headers): string | null {
  const bearer = headers.get("authorization")?.match(/^Bearer\s+(\S+)$/i)?.[1];
  const apiKey = headers.get("x-api-key")?.trim();
  for (const candidate of [bearer, apiKey]) {
    if (candidate?.startsWith(TOKEN_PREFIX)) return candidate;
  }
  return bearer ?? apiKey ?? null;
}

/** Request headers worth passing on. Everything else (auth, cookies, hop-by-hop, host) is dropped. */
const FORWARDED = new Set([
  "content-type",
  "accept",
  "user-agent",
  "anthropic-version",
  "anthropic-beta",
  "openai-beta",
]);

export function upstreamHeaders(incoming: Headers, provider: LlmProvider, key: string): Headers {
  const out = new Headers();
  incoming.forEach((value, name) => {
    const lower = name.toLowerCase();
    if (FORWARDED.has(lower) || lower.startsWith("x-stainless-")) out.set(lower, value);
  });
  if (provider.kind === "anthropic") {
    out.set("x-api-key", key);
    if (!out.has("anthropic-version")) out.set("anthropic-version", "2023-06-01");
  } else {
    out.set("authorization", `Bearer ${key}`);
  }
  // Bun's fetch would decompress anyway; asking for identity keeps SSE bytes flowing as they come.
  out.set("accept-encoding", "identity");
  return out;
}

/** Response headers that describe the bytes we send on; hop-by-hop and encoding ones are ours to set. */
const DROPPED_RESPONSE = new Set([
  "content-length",
  "content-encoding",
  "transfer-encoding",
  "connection",
  "keep-alive",
  "set-cookie",
  "alt-svc",
]);

export function downstreamHeaders(upstream: Headers): Headers {
  const out = new Headers();
  upstream.forEach((value, name) => {
    if (!DROPPED_RESPONSE.has(name.toLowerCase())) out.set(name, value);
  });
  return out;
}

/**
 * Where a proxied call goes. OpenAI base URLs include the version (`https://api.openai.com/v1`);
 * Anthropic's SDK convention leaves it out (`https://api.anthropic.com`), but a trailing `/v1`
 * is tolerated.
 */
export function upstreamUrl(provider: LlmProvider, rest: string, search: string): string {
  const base = provider.base_url.replace(/\/+$/, "");
  if (provider.kind === "anthropic") return `${base.replace(/\/v1$/, "")}/v1/${rest}${search}`;
  return `${base}/${rest}${search}`;
}

export type Endpoint = "chat" | "models" | "transcription" | "embeddings";

/** Which API paths each provider kind serves through the proxy (relative to `/v1/`). */
export function endpointOf(kind: ProviderKind, method: string, rest: string): Endpoint | null {
  if (method === "GET" && rest === "models") return "models";
  if (method !== "POST") return null;
  if (kind === "openai" && rest === "chat/completions") return "chat";
  // Speech to text (voice input in the composer): multipart, the model is a form field.
  if (kind === "openai" && rest === "audio/transcriptions") return "transcription";
  if (kind === "openai" && rest === "embeddings") return "embeddings";
  if (kind === "anthropic" && rest === "messages") return "chat";
  return null;
}

/** GET /v1/models answered from the configured list: pi only ever sees models octo allows. */
export function modelList(provider: LlmProvider): Response {
  if (provider.kind === "anthropic") {
    const data = provider.models.map((m) => ({
      type: "model",
      id: m.id,
      display_name: m.name || m.id,
      created_at: "1970-01-01T00:00:00Z",
    }));
    return Response.json({
      data,
      has_more: false,
      first_id: data[0]?.id ?? null,
      last_id: data.at(-1)?.id ?? null,
    });
  }
  const data = provider.models.map((m) => ({
    id: m.id,
    object: "model",
    created: 0,
    owned_by: provider.name,
  }));
  return Response.json({ object: "list", data });
}

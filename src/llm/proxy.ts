import type { Database } from "bun:sqlite";
import type { LlmProviderConfig } from "../config/schema.ts";
import { type ErrorCode, fail, httpStatus, ok, type Result } from "../protocol/errors.ts";
import type { ModelSpec, ProviderKind } from "../protocol/llm.ts";
import type { Logger } from "../shared/log.ts";
import { llmUsageRepo } from "../storage/llm.ts";
import { type BudgetGate, estimateCost } from "./budget.ts";
import { embeddingModel } from "./embedding-model.ts";
import { findProvider, type LlmProvider, resolveKey } from "./providers.ts";
import type { TokenScope, TokenStore } from "./tokens.ts";
import { costOf, UsageMeter } from "./usage.ts";
import {
  downstreamHeaders,
  endpointOf,
  modelList,
  presentedToken,
  proxyError,
  upstreamHeaders,
  upstreamUrl,
} from "./wire.ts";

/**
 * The LLM proxy: pi calls `/p/<provider>/v1/…` with its session token; we check the token and the
 * model, swap the token for the provider's real key, and stream the answer back chunk by chunk
 * while a meter reads the usage off the passing bytes. A fetch-style handler, so it can be served
 * on a per-user unix socket (`serveLlmSocket`) or mounted in the HTTP app.
 */

export interface LlmProxyDeps {
  db: Database;
  configured: readonly LlmProviderConfig[];
  tokens: TokenStore;
  log: Logger;
  env?: Record<string, string | undefined>;
  /** Request bodies above this are refused with 413. Default 32 MiB (Anthropic's own limit). */
  maxBodyBytes?: number;
  /** How long to wait for the provider's response headers. Default 180 s. */
  headersTimeoutMs?: number;
  /**
   * May this session call "provider/model"? Refused with 403 `model_not_allowed` otherwise.
   * Unset: every configured model (unit tests of the proxy alone).
   */
  allowModel?: (scope: TokenScope, ref: string) => boolean;
  /** Spending and request limits (decision 0023). Unset: none. */
  budget?: BudgetGate;
  /** Side effect seam: the real `fetch` by default. */
  fetch?: typeof fetch;
  clock?: () => number;
}

export interface ProxyCallOptions {
  /** When served on a user's own socket: tokens of other users are refused there. */
  userId?: string;
  /** The Bun server answering: a streamed call must not fall to its idle timeout (10 s by default). */
  server?: { timeout(request: Request, seconds: number): void } | null;
  /**
   * The server's own call (memory embeddings over the gateway's control socket): billed to this
   * scope without a session token. Never set for a request that came over a user's socket.
   */
  trusted?: TokenScope;
}

export type LlmProxy = (request: Request, opts?: ProxyCallOptions) => Promise<Response>;

const PATH = /\/p\/([a-z0-9][a-z0-9_-]{0,31})\/v1\/([a-z/_]+)$/;
export const DEFAULT_MAX_BODY = 32 << 20;

export function createLlmProxy(deps: LlmProxyDeps): LlmProxy {
  const maxBody = deps.maxBodyBytes ?? DEFAULT_MAX_BODY;
  const doFetch = deps.fetch ?? fetch;
  const clock = deps.clock ?? Date.now;
  const usage = llmUsageRepo(deps.db);
  const providerDeps = { db: deps.db, configured: deps.configured, env: deps.env };

  const refuse = (
    kind: ProviderKind | null,
    status: number,
    code: ErrorCode,
    message: string,
    fields = {},
  ) => {
    deps.log.warn("llm call refused", { status, code, ...fields });
    return proxyError(kind, status, code, message);
  };

  return async (request, opts = {}) => {
    const started = clock();
    const url = new URL(request.url);
    const match = PATH.exec(url.pathname);
    if (!match) {
      return refuse(null, 404, "not_found", `no route ${url.pathname}; use /p/<provider>/v1/…`);
    }
    const [, providerName, rest] = match as unknown as [string, string, string];
    const provider = findProvider(providerDeps, providerName);
    const kind = provider?.kind ?? null;

    const token = opts.trusted ? null : presentedToken(request.headers);
    const scope = opts.trusted ?? (token ? deps.tokens.verify(token) : null);
    if (!scope && token && deps.tokens.ownerDisabled(token))
      return refuse(kind, 403, "account_disabled", "this account is disabled; an admin can enable it again", {
        provider: providerName,
      });
    if (!scope || (opts.userId && scope.userId !== opts.userId)) {
      const reason = token ? "bad token" : "no token";
      return refuse(kind, 401, "unauthorized", "invalid or revoked session token", {
        reason,
        provider: providerName,
      });
    }
    const who = { user: scope.userId, session: scope.sessionId, provider: providerName };
    if (!provider)
      return refuse(null, 404, "not_found", `no LLM provider "${providerName}" is configured`, who);
    const endpoint = endpointOf(provider.kind, request.method, rest);
    if (!endpoint) {
      return refuse(
        kind,
        404,
        "not_found",
        `${request.method} /v1/${rest} is not served for ${provider.kind} providers`,
        who,
      );
    }
    if (endpoint === "models") return modelList(provider);

    const body = await readBody(request, maxBody);
    if (!body.ok) return refuse(kind, 413, "payload_too_large", body.error.message, who);
    const parsed =
      endpoint === "transcription"
        ? await parseTranscription(body.value, request.headers.get("content-type"))
        : parseChat(body.value);
    if (!parsed.ok) return refuse(kind, 400, parsed.error.code, parsed.error.message, who);
    const embedding = endpoint === "embeddings" ? embeddingModel(providerDeps) : null;
    if (endpoint === "embeddings" && embedding?.ref !== `${provider.name}/${parsed.value.model}`) {
      const message = `"${provider.name}/${parsed.value.model}" is not the embedding model configured in octo`;
      return refuse(kind, 403, "model_not_allowed", message, who);
    }
    const model = embedding?.model ?? provider.models.find((m) => m.id === parsed.value.model);
    if (!model) {
      const offered = provider.models.map((m) => m.id).join(", ") || "none";
      const message = `provider "${provider.name}" has no model "${parsed.value.model}" (offered: ${offered})`;
      return refuse(kind, 404, "not_found", message, who);
    }
    const ref = `${provider.name}/${model.id}`;
    if (!embedding && deps.allowModel && !deps.allowModel(scope, ref)) {
      const message = `model "${ref}" is not available to this session (pick one of the models offered in octo)`;
      return refuse(kind, 403, "model_not_allowed", message, who);
    }
    const key = await resolveKey(provider, deps.env);
    if (!key.ok) return refuse(kind, 503, key.error.code, key.error.message, who);

    // A conversation a member started in a shared project is charged to them (decision 0030); the
    // token stays the owner's, whose socket and sandbox the agent uses.
    const payer = usage.payerOf(scope.sessionId);
    const billed = payer && payer !== scope.userId ? { ...scope, userId: payer } : scope;
    let reservation: number | null = null;
    let estimate: number | null = null;
    if (deps.budget) {
      estimate = estimateCost(model, {
        // Audio bytes are not prompt tokens: a transcription is reserved at its output alone.
        bodyBytes: endpoint === "transcription" ? 0 : body.value.byteLength,
        maxTokens: parsed.value.maxTokens,
      });
      const admitted = deps.budget.admit({
        userId: billed.userId,
        sessionId: scope.sessionId,
        ref,
        model,
        estimate,
      });
      if (!admitted.ok) {
        const refused = refuse(kind, httpStatus(admitted.code), admitted.code, admitted.message, who);
        if (admitted.retryAfter !== undefined)
          refused.headers.set("retry-after", String(admitted.retryAfter));
        return refused;
      }
      reservation = admitted.reservation;
    }

    // A model may think for minutes before its next byte.
    opts.server?.timeout(request, 0);
    const call = {
      scope: billed,
      provider,
      model,
      streamed: parsed.value.stream,
      started,
      reservation,
      estimate,
    };
    return forward(call, request, body.value, url.search, rest, key.value);
  };

  async function forward(
    call: Call,
    request: Request,
    body: Uint8Array,
    search: string,
    rest: string,
    key: string,
  ): Promise<Response> {
    const { provider } = call;
    const abort = new AbortController();
    const onClientGone = () => abort.abort(new Error("client closed the request"));
    request.signal.addEventListener("abort", onClientGone, { once: true });
    const timeoutMs = deps.headersTimeoutMs ?? 180_000;
    const timer = setTimeout(() => abort.abort(new Error("timeout")), timeoutMs);
    const sentAt = clock();
    let upstream: Response;
    try {
      upstream = await doFetch(upstreamUrl(provider, rest, search), {
        method: "POST",
        headers: upstreamHeaders(request.headers, provider, key),
        body: body as Uint8Array<ArrayBuffer>,
        signal: abort.signal,
        redirect: "manual",
      });
    } catch (e) {
      request.signal.removeEventListener("abort", onClientGone);
      deps.budget?.release(call.reservation);
      const timedOut = (abort.signal.reason as Error | undefined)?.message === "timeout";
      const reason = timedOut ? `no answer within ${timeoutMs / 1000} s` : describeFetchError(e);
      deps.log.warn("llm provider unreachable", { ...logFields(call), reason });
      return timedOut
        ? proxyError(provider.kind, 504, "agent_failed", `provider "${provider.name}" gave ${reason}`)
        : proxyError(
            provider.kind,
            502,
            "agent_failed",
            `cannot reach provider "${provider.name}" (${reason})`,
          );
    } finally {
      clearTimeout(timer);
    }
    const headersAt = clock();
    const meter = new UsageMeter(provider.kind, call.streamed && upstream.ok);
    let done = false;
    const finish = (outcome: string) => {
      if (done) return;
      done = true;
      request.signal.removeEventListener("abort", onClientGone);
      record(call, upstream.status, meter, outcome, {
        overhead: sentAt - call.started,
        ttfb: headersAt - sentAt,
      });
    };
    if (!upstream.body) {
      finish("complete");
      return new Response(null, { status: upstream.status, headers: downstreamHeaders(upstream.headers) });
    }
    const reader = upstream.body.getReader();
    const relay = new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          const next = await reader.read();
          if (next.done) {
            finish("complete");
            controller.close();
            return;
          }
          meter.push(next.value);
          controller.enqueue(next.value);
        } catch (e) {
          // The provider cut the stream: cut ours too, so pi sees the same failure and may retry.
          finish(abort.signal.aborted ? "client-closed" : `upstream-error: ${describeFetchError(e)}`);
          controller.error(e);
        }
      },
      cancel(reason) {
        finish("client-closed");
        abort.abort(reason);
        return reader.cancel(reason).catch(() => {});
      },
    });
    return new Response(relay, { status: upstream.status, headers: downstreamHeaders(upstream.headers) });
  }

  function record(call: Call, status: number, meter: UsageMeter, outcome: string, times: Timing) {
    const seen = meter.result();
    const counts = seen ?? { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };
    // An answer cut before its usage was reported was still billed upstream: under a budget it is
    // charged at its reservation (the worst case), so cancelling streams cannot dodge a limit.
    const unseen = !seen && status < 400 && call.reservation !== null && call.estimate !== null;
    const cost = unseen ? call.estimate : costOf(counts, call.model);
    const duration = clock() - call.started;
    const row = {
      ts: call.started,
      user_id: call.scope.userId,
      project_id: call.scope.projectId,
      session_id: call.scope.sessionId,
      provider: call.provider.name,
      model: call.model.id,
      status,
      input_tokens: counts.input,
      output_tokens: counts.output,
      cache_read_tokens: counts.cacheRead,
      cache_write_tokens: counts.cacheWrite,
      cost,
      duration_ms: duration,
    };
    try {
      if (deps.budget) deps.budget.settle(call.reservation, row);
      else usage.insert(row);
    } catch (e) {
      if (deps.budget) deps.budget.release(call.reservation);
      // A usage row that cannot be written (e.g. the user was just deleted) must not break the stream.
      deps.log.error("llm usage not recorded", { ...logFields(call), error: String(e) });
    }
    deps.log.info("llm call", {
      ...logFields(call),
      status,
      outcome,
      overhead_ms: times.overhead,
      ttfb_ms: times.ttfb,
      duration_ms: duration,
      input: counts.input,
      output: counts.output,
      cache_read: counts.cacheRead,
      cache_write: counts.cacheWrite,
      cost: cost === null ? "unknown" : Number(cost.toFixed(6)),
    });
  }
}

interface Call {
  scope: TokenScope;
  provider: LlmProvider;
  model: ModelSpec;
  streamed: boolean;
  started: number;
  reservation: number | null;
  estimate: number | null;
}

interface Timing {
  overhead: number;
  ttfb: number;
}

const logFields = (call: Call) => ({
  user: call.scope.userId,
  project: call.scope.projectId,
  session: call.scope.sessionId,
  provider: call.provider.name,
  model: call.model.id,
});

async function readBody(request: Request, max: number): Promise<Result<Uint8Array>> {
  const tooLarge = () => fail("payload_too_large", `request body is larger than ${max} bytes`);
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > max) return tooLarge();
  if (!request.body) return ok(new Uint8Array());
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = request.body.getReader();
  for (;;) {
    const next = await reader.read();
    if (next.done) break;
    total += next.value.byteLength;
    if (total > max) {
      await reader.cancel().catch(() => {});
      return tooLarge();
    }
    chunks.push(next.value);
  }
  return ok(Buffer.concat(chunks));
}

interface ChatFacts {
  model: string;
  stream: boolean;
  /** The output the request allows (`max_tokens`, or OpenAI's `max_completion_tokens`). */
  maxTokens: number | null;
}

function parseChat(body: Uint8Array): Result<ChatFacts> {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(body));
  } catch {
    return fail("invalid_json", "request body is not valid JSON");
  }
  const model = (json as { model?: unknown } | null)?.model;
  if (typeof model !== "string" || model === "") return fail("bad_request", "request body has no model");
  const fields = json as { stream?: unknown; max_tokens?: unknown; max_completion_tokens?: unknown };
  const limit = [fields.max_completion_tokens, fields.max_tokens].find(
    (x): x is number => typeof x === "number" && Number.isFinite(x) && x > 0,
  );
  return ok({ model, stream: fields.stream === true, maxTokens: limit ?? null });
}

/** OpenAI's `/audio/transcriptions`: multipart with a `model` field (and the audio `file`). */
async function parseTranscription(body: Uint8Array, contentType: string | null): Promise<Result<ChatFacts>> {
  if (!contentType?.startsWith("multipart/form-data"))
    return fail("bad_request", "a transcription request is multipart/form-data");
  let form: FormData;
  try {
    form = await new Response(body as Uint8Array<ArrayBuffer>, {
      headers: { "content-type": contentType },
    }).formData();
  } catch {
    return fail("bad_request", "malformed multipart body");
  }
  const model = form.get("model");
  if (typeof model !== "string" || model === "") return fail("bad_request", "request body has no model");
  return ok({ model, stream: form.get("stream") === "true", maxTokens: null });
}

function describeFetchError(e: unknown): string {
  const err = e as { code?: string; message?: string };
  return [err.code, err.message].filter(Boolean).join(": ") || String(e);
}

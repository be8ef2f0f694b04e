import * as v from "valibot";
import { fail, ok, type Result } from "../protocol/errors.ts";
import { ProviderProbeBody, type ProviderProbeResponse, type UpstreamModel } from "../protocol/llm.ts";
import { findProvider, type LlmProvider, type ProviderDeps, resolveKey } from "./providers.ts";
import { upstreamUrl } from "./wire.ts";

/**
 * Asks a provider for its model list (`GET /v1/models`, OpenAI-compatible and Anthropic alike):
 * the smallest real request that proves the address and the key, and the list an admin picks
 * models from instead of typing ids. Failures are told in plain words.
 */

export interface ProbeOptions {
  fetch?: typeof fetch;
  timeoutMs?: number;
}

const ModelList = v.object({
  data: v.array(v.object({ id: v.string(), display_name: v.optional(v.string()) })),
});
const ErrorMessage = v.object({ error: v.object({ message: v.string() }) });

export async function upstreamModels(
  deps: ProviderDeps,
  provider: LlmProvider,
  opts: ProbeOptions = {},
): Promise<Result<UpstreamModel[]>> {
  const key = await resolveKey(provider, deps.env);
  const headers: Record<string, string> = { accept: "application/json" };
  // A local server (Ollama, llama.cpp) may need no key: ask anyway and let it answer.
  if (key.ok && provider.kind === "anthropic") headers["x-api-key"] = key.value;
  else if (key.ok) headers.authorization = `Bearer ${key.value}`;
  if (provider.kind === "anthropic") headers["anthropic-version"] = "2023-06-01";
  const url = upstreamUrl(provider, "models", provider.kind === "anthropic" ? "?limit=1000" : "");
  const timeoutMs = opts.timeoutMs ?? 10_000;
  let res: Response;
  try {
    res = await (opts.fetch ?? fetch)(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
  } catch (e) {
    const timedOut = (e as Error).name === "TimeoutError";
    return fail(
      "upstream_failed",
      timedOut
        ? `${provider.base_url} did not answer within ${timeoutMs / 1000} seconds.`
        : `Could not reach ${provider.base_url}: check the address and that the server is running (${(e as Error).message}).`,
    );
  }
  const body: unknown = await res.json().catch(() => null);
  if (!res.ok) return fail("upstream_failed", describeRefusal(res.status, body, key.ok));
  const list = v.safeParse(ModelList, body);
  if (!list.success)
    return fail(
      "upstream_failed",
      `${url} answered, but not with a model list: is the kind (${provider.kind}) right?`,
    );
  return ok(
    list.output.data
      .map((m) => ({ id: m.id, name: m.display_name ?? m.id }))
      .sort((a, b) => a.id.localeCompare(b.id)),
  );
}

function describeRefusal(status: number, body: unknown, hadKey: boolean): string {
  const said = v.safeParse(ErrorMessage, body);
  const detail = said.success ? ` It said: “${said.output.error.message.slice(0, 200)}”` : "";
  if (status === 401 || status === 403)
    return `The provider refused the API key (HTTP ${status}): ${hadKey ? "check that the key is right and still valid" : "it needs a key"}.${detail}`;
  if (status === 404)
    return `The provider has no model list at this address (HTTP 404): check the base URL (OpenAI-compatible ones usually end in /v1).${detail}`;
  return `The provider answered with an error (HTTP ${status}).${detail}`;
}

/** Test connection: the form's values over the saved provider of that name, if any. Nothing is saved. */
export async function probeProvider(
  deps: ProviderDeps,
  input: unknown,
  opts: ProbeOptions = {},
): Promise<Result<ProviderProbeResponse>> {
  const parsed = v.safeParse(ProviderProbeBody, input);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    const path = issue.path?.map((p) => String(p.key)).join(".");
    return fail("validation_failed", `${path ? `${path}: ` : ""}${issue.message}`);
  }
  const form = parsed.output;
  const saved = form.name ? findProvider(deps, form.name) : null;
  const kind = form.kind ?? saved?.kind;
  const base_url = form.base_url ?? saved?.base_url;
  if (!kind || !base_url)
    return fail(
      "validation_failed",
      "give the provider's kind and base URL (or the name of a saved provider)",
    );
  const newKey = form.api_key ?? form.api_key_env ?? form.api_key_file;
  const provider: LlmProvider = {
    name: form.name ?? "test",
    kind,
    base_url,
    source: saved?.source ?? "admin",
    key: newKey
      ? { stored: form.api_key, env: form.api_key_env, file: form.api_key_file }
      : (saved?.key ?? {}),
    models: [],
  };
  const models = await upstreamModels(deps, provider, opts);
  if (!models.ok) return ok({ ok: false, message: models.error.message, models: [] });
  const n = models.value.length;
  return ok({
    ok: true,
    message: `Connected: the provider lists ${n} model${n === 1 ? "" : "s"}.`,
    models: models.value,
  });
}

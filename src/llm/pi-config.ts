import type { LlmProvider } from "./providers.ts";

/**
 * pi's `models.json` for a session: every octo provider becomes a pi provider of the same name
 * whose base URL is the LLM proxy as seen from inside the sandbox. `apiKey` holds the NAME of an
 * environment variable (pi resolves it at request time), so neither a provider key nor the session
 * token is ever written to a file: the token travels only in pi's environment.
 * Field names follow pi's docs/models.md (pi-coding-agent 0.73).
 */

/** The variable that carries the session token into the sandbox. */
export const LLM_TOKEN_ENV = "OCTO_LLM_TOKEN";

export interface PiModel {
  id: string;
  name: string;
  reasoning: boolean;
  input: ("text" | "image")[];
  contextWindow: number;
  maxTokens: number;
  /** USD per 1M tokens, as octo bills them. */
  cost: { input: number; output: number; cacheRead: number; cacheWrite: number };
}

export interface PiProvider {
  baseUrl: string;
  api: "openai-completions" | "anthropic-messages";
  apiKey: string;
  models: PiModel[];
}

export interface PiModelsFile {
  providers: Record<string, PiProvider>;
}

export interface PiModelsOptions {
  /** The LLM relay as pi sees it inside the sandbox, e.g. `http://127.0.0.1:4100` (`OCTO_LLM_URL`). */
  llmUrl: string;
  tokenEnv?: string;
}

/**
 * The proxy serves `/p/<name>/v1/…`. OpenAI SDKs take the versioned base (`…/v1`) and append
 * `/chat/completions`; Anthropic's SDK takes the unversioned base and appends `/v1/messages`.
 */
export function proxyBaseUrl(llmUrl: string, provider: Pick<LlmProvider, "name" | "kind">): string {
  const root = `${llmUrl.replace(/\/+$/, "")}/p/${provider.name}`;
  return provider.kind === "anthropic" ? root : `${root}/v1`;
}

export function piModels(providers: readonly LlmProvider[], opts: PiModelsOptions): PiModelsFile {
  const out: PiModelsFile = { providers: {} };
  for (const p of providers) {
    if (p.models.length === 0) continue;
    out.providers[p.name] = {
      baseUrl: proxyBaseUrl(opts.llmUrl, p),
      api: p.kind === "anthropic" ? "anthropic-messages" : "openai-completions",
      apiKey: opts.tokenEnv ?? LLM_TOKEN_ENV,
      models: p.models.map((m) => ({
        id: m.id,
        name: m.name || m.id,
        reasoning: m.reasoning,
        input: m.images ? ["text", "image"] : ["text"],
        contextWindow: m.context_window,
        maxTokens: m.max_tokens,
        // pi needs numbers; octo's own usage pages show an unknown price as unknown.
        cost: {
          input: m.input_price ?? 0,
          output: m.output_price ?? 0,
          cacheRead: m.cache_read_price ?? m.input_price ?? 0,
          cacheWrite: m.cache_write_price ?? m.input_price ?? 0,
        },
      })),
    };
  }
  return out;
}

/** The file's text, ready for `$PI_CODING_AGENT_DIR/models.json`. */
export const renderPiModels = (providers: readonly LlmProvider[], opts: PiModelsOptions): string =>
  `${JSON.stringify(piModels(providers, opts), null, 2)}\n`;

/** What pi's sandbox environment needs for the LLM: the token, under the name models.json uses. */
export const piLlmEnv = (token: string, tokenEnv = LLM_TOKEN_ENV): Record<string, string> => ({
  [tokenEnv]: token,
});

/** "provider/model" → pi's `--provider` and `--model` (the model part may contain "/"). */
export function piModelArgs(ref: string): string[] {
  const slash = ref.indexOf("/");
  return ["--provider", ref.slice(0, slash), "--model", ref.slice(slash + 1)];
}

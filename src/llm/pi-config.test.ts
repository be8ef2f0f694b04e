import { describe, expect, test } from "bun:test";
import * as v from "valibot";
import { ModelBody } from "../protocol/llm.ts";
import { piLlmEnv, piModelArgs, piModels, proxyBaseUrl } from "./pi-config.ts";
import type { LlmProvider } from "./providers.ts";

const provider = (name: string, kind: "openai" | "anthropic", models: object[]): LlmProvider => ({
  name,
  kind,
  base_url: "https://real.example/v1",
  source: "config",
  key: { env: "REAL_KEY_VAR", stored: "sk-stored-secret" },
  models: models.map((m) => v.parse(ModelBody, m)),
});

describe("pi models.json", () => {
  const file = piModels(
    [
      provider("oa", "openai", [
        { id: "gpt-x", context_window: 400000, max_tokens: 1000, input_price: 1.25 },
      ]),
      provider("an", "anthropic", [{ id: "claude-x", name: "Claude X", reasoning: true, images: true }]),
      provider("empty", "openai", []),
    ],
    { llmUrl: "http://127.0.0.1:4100/" },
  );

  test("one pi provider per octo provider with models, pointing at the proxy", () => {
    expect(Object.keys(file.providers)).toEqual(["oa", "an"]);
    expect(file.providers.oa).toMatchObject({
      baseUrl: "http://127.0.0.1:4100/p/oa/v1",
      api: "openai-completions",
      apiKey: "OCTO_LLM_TOKEN",
    });
    // Anthropic's SDK appends /v1/messages itself.
    expect(file.providers.an).toMatchObject({
      baseUrl: "http://127.0.0.1:4100/p/an",
      api: "anthropic-messages",
    });
  });

  test("models carry pi's field names and octo's prices", () => {
    expect(file.providers.oa?.models[0]).toEqual({
      id: "gpt-x",
      name: "gpt-x",
      reasoning: false,
      input: ["text"],
      contextWindow: 400000,
      maxTokens: 1000,
      // Unknown prices are 0 for pi (it needs numbers); a cache price left out is the input price.
      cost: { input: 1.25, output: 0, cacheRead: 1.25, cacheWrite: 1.25 },
    });
    expect(file.providers.an?.models[0]).toMatchObject({
      name: "Claude X",
      reasoning: true,
      input: ["text", "image"],
    });
  });

  test("no key, key source or upstream URL is written", () => {
    const text = JSON.stringify(file);
    for (const secret of ["sk-stored-secret", "REAL_KEY_VAR", "real.example"])
      expect(text).not.toContain(secret);
  });
});

describe("helpers", () => {
  test("proxy base URLs, env and CLI args", () => {
    expect(proxyBaseUrl("http://h:1", { name: "x", kind: "openai" })).toBe("http://h:1/p/x/v1");
    expect(piLlmEnv("octo_llm_abc")).toEqual({ OCTO_LLM_TOKEN: "octo_llm_abc" });
    expect(piModelArgs("openrouter/vendor/model")).toEqual([
      "--provider",
      "openrouter",
      "--model",
      "vendor/model",
    ]);
  });
});

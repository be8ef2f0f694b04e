import { describe, expect, test } from "bun:test";
import type { Provider } from "../../../src/protocol/llm.ts";
import {
  fieldError,
  keySummary,
  modelBody,
  modelFacts,
  modelForm,
  modelIdsFromText,
  newProviderBody,
  probeBody,
  providerPatch,
  toggleModelId,
} from "./provider-forms.ts";

const stored: Provider = {
  name: "acme",
  kind: "openai",
  base_url: "https://llm.example/v1",
  source: "admin",
  key: { source: "stored", from: null, configured: true },
  models: [],
};
const form = { kind: "openai", base_url: "https://llm.example/v1", key_choice: "stored", key_value: "" };

describe("new provider body", () => {
  test("one key source, trimmed fields, model ids one per line", () => {
    expect(
      newProviderBody({
        ...form,
        name: " acme ",
        key_value: " sk-1 ",
        models: "gpt-a\n\n gpt-b \ngpt-a",
      }),
    ).toEqual({
      name: "acme",
      kind: "openai",
      base_url: "https://llm.example/v1",
      api_key: "sk-1",
      models: [{ id: "gpt-a" }, { id: "gpt-b" }],
    });
  });
  test("env source sends the variable name, never api_key", () => {
    const b = newProviderBody({ ...form, name: "x", key_choice: "env", key_value: "ACME_KEY", models: "" });
    expect(b.api_key_env).toBe("ACME_KEY");
    expect("api_key" in b).toBe(false);
  });
  test("model ids ignore blank lines", () => expect(modelIdsFromText(" \n a \n")).toEqual(["a"]));
});

describe("provider patch", () => {
  test("a blank key keeps the stored key: nothing about keys is sent", () => {
    expect(providerPatch(stored, { ...form, base_url: "https://other.example/v1" })).toEqual({
      ok: true,
      value: { base_url: "https://other.example/v1" },
    });
  });
  test("a new key replaces the stored one", () => {
    expect(providerPatch(stored, { ...form, key_value: "sk-2" })).toEqual({
      ok: true,
      value: { api_key: "sk-2" },
    });
  });
  test("none clears every source", () => {
    const r = providerPatch(stored, { ...form, key_choice: "none" });
    expect(r).toEqual({ ok: true, value: { api_key: null, api_key_env: null, api_key_file: null } });
  });
  test("switching to env without a name is refused with a reason", () => {
    const r = providerPatch(stored, { ...form, key_choice: "env" });
    expect(r.ok).toBe(false);
  });
  test("an unchanged env source sends nothing", () => {
    const env: Provider = { ...stored, key: { source: "env", from: "K", configured: false } };
    expect(providerPatch(env, { ...form, key_choice: "env", key_value: "K" })).toEqual({
      ok: true,
      value: {},
    });
  });
});

describe("model form", () => {
  test("blank numbers are left to the server's defaults", () => {
    const r = modelBody({ ...modelForm(), id: " m1 ", context_window: "200,000" });
    expect(r).toEqual({
      ok: true,
      value: { id: "m1", reasoning: false, images: false, context_window: 200000 },
    });
  });
  test("an unknown price stays blank in the form and reads as unknown, never as $0", () => {
    const m = {
      id: "m",
      name: "m",
      context_window: 128000,
      max_tokens: 16384,
      reasoning: false,
      images: false,
      input_price: null,
      output_price: null,
      cache_read_price: null,
      cache_write_price: null,
    };
    expect(modelForm(m)).toMatchObject({ input_price: "", output_price: "" });
    expect(modelFacts(m)).toBe("128k context · price unknown");
    expect(modelFacts({ ...m, input_price: 0, output_price: 0 })).toBe("128k context · $0 / $0 per 1M");
  });
  test("a non-number is refused", () => {
    expect(modelBody({ ...modelForm(), id: "m", input_price: "cheap" })).toEqual({
      ok: false,
      error: "Input price: a number.",
    });
  });
});

describe("key summary never shows a key", () => {
  test("stored", () =>
    expect(keySummary(stored.key)).toEqual({ text: "Key stored on the server", ok: true }));
  test("env not set", () =>
    expect(keySummary({ source: "env", from: "ACME", configured: false })).toEqual({
      text: "Key from $ACME (not readable)",
      ok: false,
    }));
});

describe("server errors go beside their field", () => {
  test("base_url", () =>
    expect(fieldError("base_url: base_url must be an absolute URL")).toEqual({
      field: "base_url",
      text: "base_url must be an absolute URL",
    }));
  test("a key source maps to the key field", () =>
    expect(fieldError("api_key_env: an environment variable name").field).toBe("key_value"));
  test("a nested model path maps to models", () =>
    expect(fieldError("models.0.id: a model id has no spaces").field).toBe("models"));
  test("anything else stays general", () =>
    expect(fieldError('provider "x" already exists')).toEqual({
      field: null,
      text: 'provider "x" already exists',
    }));
});

describe("test connection and picking listed models", () => {
  test("the form's key goes along; a blank key field uses the saved provider's", () => {
    const form = { kind: "openai", base_url: " https://x/v1 ", key_choice: "stored", key_value: "sk-1" };
    expect(probeBody(form)).toEqual({ kind: "openai", base_url: "https://x/v1", api_key: "sk-1" });
    expect(probeBody({ ...form, key_value: "" }, "acme")).toEqual({
      name: "acme",
      kind: "openai",
      base_url: "https://x/v1",
    });
  });
  test("ticking adds an id once, unticking removes it", () => {
    expect(toggleModelId("a\nb", "c", true)).toBe("a\nb\nc");
    expect(toggleModelId("a\nc\nb", "c", true)).toBe("a\nb\nc");
    expect(toggleModelId("a\nb", "a", false)).toBe("b");
  });
});

import { describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openMainDb } from "../storage/main-db.ts";
import { createProvider } from "./provider-admin.ts";
import {
  ensureProviders,
  findProvider,
  type LlmProvider,
  type ProviderDeps,
  pickableModels,
  resolveKey,
  resolveModel,
} from "./providers.ts";

function deps(configured: ProviderDeps["configured"] = [], env = {}): ProviderDeps {
  const db = openMainDb(":memory:");
  if (!db.ok) throw new Error(db.error.message);
  return { db: db.value, configured, env };
}

const configModel = {
  id: "m1",
  context_window: 1000,
  max_tokens: 100,
  reasoning: false,
  images: false,
  input_price: 1,
  output_price: 2,
  cache_read_price: 0,
  cache_write_price: 0,
};

describe("ensureProviders", () => {
  test("with nothing configured, sessions are refused with an no_provider error in plain words that says where to add a model", () => {
    const r = ensureProviders(deps(), "/etc/octo/config.toml");
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe("no_provider");
    expect(r.error.message).toContain("Admin → Models (/admin/models)");
    expect(r.error.message).not.toContain("/api/");
    expect(r.error.message).not.toContain("Providers");
  });

  test("a provider without models does not count; an admin-added one does", () => {
    const d = deps([{ name: "a", kind: "openai", base_url: "http://x/v1", models: [] }]);
    expect(ensureProviders(d).ok).toBe(false);
    const made = createProvider(d, {
      name: "b",
      kind: "anthropic",
      base_url: "http://y",
      models: [{ id: "c" }],
    });
    expect(made.ok).toBe(true);
    const r = ensureProviders(d);
    expect(r.ok && r.value.map((p) => p.name)).toEqual(["b"]);
  });
});

describe("keys and models", () => {
  const dir = mkdtempSync(join(tmpdir(), "octo-keys-"));

  test("keys come from the env var, else the file, read at call time", async () => {
    const file = join(dir, "key");
    const d = deps([
      {
        name: "a",
        kind: "openai",
        base_url: "http://x/v1",
        api_key_env: "K",
        api_key_file: file,
        models: [],
      },
    ]);
    const provider = findProvider(d, "a") as LlmProvider;
    const missing = await resolveKey(provider, {});
    expect(!missing.ok && missing.error.message).toContain("K is not set");
    writeFileSync(file, "from-file\n");
    expect(await resolveKey(provider, {})).toEqual({ ok: true, value: "from-file" });
    expect(await resolveKey(provider, { K: "from-env" })).toEqual({ ok: true, value: "from-env" });
  });

  test("provider/model references resolve, with clear errors otherwise", () => {
    const d = deps([
      { name: "a", kind: "openai", base_url: "http://x/v1", models: [{ ...configModel, id: "v/m" }] },
    ]);
    const hit = resolveModel(d, "a/v/m");
    expect(hit.ok && hit.value.model.id).toBe("v/m");
    for (const [ref, code] of [
      ["nomodel", "bad_request"],
      ["a/", "bad_request"],
      ["zz/m", "not_found"],
      ["a/m", "not_found"],
    ] as const) {
      const r = resolveModel(d, ref);
      expect(!r.ok && r.error.code).toBe(code);
    }
    expect(pickableModels(d)).toEqual([expect.objectContaining({ id: "a/v/m", available: false })]);
  });
});

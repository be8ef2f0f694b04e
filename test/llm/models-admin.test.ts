import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { ModelsResponse, ProviderProbeResponse, UpstreamModel } from "../../src/protocol/llm.ts";
import { type LlmFixture, startLlmFixture } from "../fixtures/llm/server.ts";
import { Client } from "../http/client.ts";
import { startTestServer, type TestServer } from "../http/harness.ts";

/** Admin → Models: test a connection, list the provider's own models, choose the default model. */

const KEY = "sk-models-admin-key-333";
let fixture: LlmFixture;
let srv: TestServer;
let admin: Client;
let carol: Client;

beforeAll(async () => {
  fixture = await startLlmFixture({ apiKeys: [KEY], models: ["gpt-b", "gpt-a"] });
  process.env.OCTO_TEST_MODELS_KEY = KEY;
  srv = await startTestServer(`
[llm]
default_model = "fx/gpt-a"

[[llm.providers]]
name = "fx"
kind = "openai"
base_url = "${fixture.openaiBaseUrl}"
api_key_env = "OCTO_TEST_MODELS_KEY"
models = [{ id = "gpt-a" }, { id = "gpt-b" }]
`);
  admin = new Client(srv.url);
  await admin.login(srv.admin.username, srv.admin.password);
  await admin.post("/api/admin/users", { username: "carol", password: "password-123" });
  carol = new Client(srv.url);
  await carol.login("carol", "password-123");
});

afterAll(async () => {
  delete process.env.OCTO_TEST_MODELS_KEY;
  await srv?.stop();
  await fixture?.stop();
});

describe("test connection", () => {
  test("the form's values reach the provider and its models come back; nothing is saved", async () => {
    const form = { kind: "openai", base_url: fixture.openaiBaseUrl, api_key: KEY };
    const r = await admin.post<ProviderProbeResponse>("/api/admin/providers/test", form);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      ok: true,
      message: "Connected: the provider lists 2 models.",
      models: [
        { id: "gpt-a", name: "gpt-a" },
        { id: "gpt-b", name: "gpt-b" },
      ],
    });
    const claude = await admin.post<ProviderProbeResponse>("/api/admin/providers/test", {
      kind: "anthropic",
      base_url: fixture.url,
      api_key: KEY,
    });
    expect(claude.body.ok).toBe(true);
    expect(claude.body.models.map((m) => m.id)).toEqual(["gpt-a", "gpt-b"]);
    const list = await admin.get<{ providers: unknown[] }>("/api/admin/providers");
    expect(list.body.providers.length).toBe(1);
  });

  test("a saved provider is tested with its own key", async () => {
    const r = await admin.post<ProviderProbeResponse>("/api/admin/providers/test", { name: "fx" });
    expect(r.body.ok).toBe(true);
  });

  test("a wrong key, a wrong address and an unreachable server are told in plain words", async () => {
    const wrongKey = await admin.post<ProviderProbeResponse>("/api/admin/providers/test", {
      kind: "openai",
      base_url: fixture.openaiBaseUrl,
      api_key: "sk-wrong",
    });
    expect(wrongKey.body.ok).toBe(false);
    expect(wrongKey.body.message).toStartWith("The provider refused the API key (HTTP 401)");
    const wrongPath = await admin.post<ProviderProbeResponse>("/api/admin/providers/test", {
      kind: "openai",
      base_url: `${srv.url}/api/nothing-here/v1`,
      api_key: KEY,
    });
    expect(wrongPath.body.message).toStartWith("The provider has no model list at this address (HTTP 404)");
    const webPage = await admin.post<ProviderProbeResponse>("/api/admin/providers/test", {
      kind: "openai",
      base_url: `${srv.url}/somewhere/v1`,
      api_key: KEY,
    });
    expect(webPage.body.message).toEndWith(
      "answered, but not with a model list: is the kind (openai) right?",
    );
    const down = await admin.post<ProviderProbeResponse>("/api/admin/providers/test", {
      kind: "openai",
      base_url: "http://127.0.0.1:9/v1",
      api_key: KEY,
    });
    expect(down.body.ok).toBe(false);
    expect(down.body.message).toStartWith("Could not reach http://127.0.0.1:9/v1");
    expect(JSON.stringify([wrongKey.body, down.body])).not.toContain(KEY);
  });

  test("only admins; bad input is refused", async () => {
    expect((await carol.post("/api/admin/providers/test", { name: "fx" })).status).toBe(403);
    const bad = await admin.post("/api/admin/providers/test", { kind: "openai" });
    expect({ status: bad.status, code: bad.code }).toEqual({ status: 422, code: "validation_failed" });
  });
});

test("GET /api/admin/providers/:name/models lists what the provider offers", async () => {
  const r = await admin.get<{ models: UpstreamModel[] }>("/api/admin/providers/fx/models");
  expect(r.status).toBe(200);
  expect(r.body.models.map((m) => m.id)).toEqual(["gpt-a", "gpt-b"]);
  expect((await admin.get("/api/admin/providers/nope/models")).status).toBe(404);
  expect((await carol.get("/api/admin/providers/fx/models")).status).toBe(403);
});

describe("default model", () => {
  test("an admin chooses it; it overrides config.toml for everyone until cleared", async () => {
    expect((await carol.get<ModelsResponse>("/api/models")).body.default_model).toBe("fx/gpt-a");
    const set = await admin.request<ModelsResponse>("PUT", "/api/admin/default-model", {
      body: { model: "fx/gpt-b" },
    });
    expect(set.status).toBe(200);
    expect(set.body.default_model).toBe("fx/gpt-b");
    expect((await carol.get<ModelsResponse>("/api/models")).body.default_model).toBe("fx/gpt-b");
    const cleared = await admin.request<ModelsResponse>("PUT", "/api/admin/default-model", {
      body: { model: null },
    });
    expect(cleared.body.default_model).toBe("fx/gpt-a");
  });

  test("only a configured model is accepted, with stable codes", async () => {
    for (const model of ["fx/gpt-z", "nope/gpt-a", "gpt-a"]) {
      const r = await admin.request("PUT", "/api/admin/default-model", { body: { model } });
      expect({ model, status: r.status, code: r.code }).toEqual({
        model,
        status: 422,
        code: "validation_failed",
      });
    }
    const extra = await admin.request("PUT", "/api/admin/default-model", { body: { model: 1 } });
    expect(extra.status).toBe(422);
    expect(
      (await carol.request("PUT", "/api/admin/default-model", { body: { model: "fx/gpt-b" } })).status,
    ).toBe(403);
    expect((await carol.get<ModelsResponse>("/api/models")).body.default_model).toBe("fx/gpt-a");
  });
});

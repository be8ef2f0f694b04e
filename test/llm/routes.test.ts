import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createTokenStore } from "../../src/llm/tokens.ts";
import type { ModelsResponse, Provider, UsageResponse } from "../../src/protocol/llm.ts";
import { type LlmFixture, startLlmFixture } from "../fixtures/llm/server.ts";
import { Client } from "../http/client.ts";
import { startTestServer, type TestServer } from "../http/harness.ts";
import { openAiBody } from "./setup.ts";

const CONFIG_KEY = "sk-config-provider-key-111";
const STORED_KEY = "sk-stored-by-admin-key-222";

let fixture: LlmFixture;
let srv: TestServer;
let admin: Client;
let carol: Client;
let carolId: string;
let daveId: string;

beforeAll(async () => {
  fixture = await startLlmFixture({ apiKeys: [CONFIG_KEY, STORED_KEY], models: ["gpt-x"] });
  process.env.OCTO_TEST_FX_KEY = CONFIG_KEY;
  srv = await startTestServer(`
[server]
max_body_bytes = 65536

[llm]
default_model = "fx/gpt-x"

[[llm.providers]]
name = "fx"
kind = "openai"
base_url = "${fixture.openaiBaseUrl}"
api_key_env = "OCTO_TEST_FX_KEY"
models = [{ id = "gpt-x", name = "GPT X", context_window = 200000, input_price = 2.0, output_price = 10.0 }]
`);
  admin = new Client(srv.url);
  await admin.login(srv.admin.username, srv.admin.password);
  const users: Record<string, string> = {};
  for (const name of ["carol", "dave"]) {
    const made = await admin.post<{ user: { id: string } }>("/api/admin/users", {
      username: name,
      password: "password-123",
    });
    users[name] = made.body.user.id;
  }
  carolId = users.carol as string;
  daveId = users.dave as string;
  carol = new Client(srv.url);
  await carol.login("carol", "password-123");
});

afterAll(async () => {
  delete process.env.OCTO_TEST_FX_KEY;
  await srv?.stop();
  await fixture?.stop();
});

describe("models", () => {
  test("a user sees pickable provider/model ids with prices and the default, and no keys", async () => {
    const r = await carol.get<ModelsResponse>("/api/models");
    expect(r.status).toBe(200);
    expect(r.body.default_model).toBe("fx/gpt-x");
    expect(r.body.models).toEqual([
      expect.objectContaining({
        id: "fx/gpt-x",
        provider: "fx",
        model: "gpt-x",
        name: "GPT X",
        context_window: 200000,
        input_price: 2,
        output_price: 10,
        available: true,
      }),
    ]);
    expect(JSON.stringify(r.body)).not.toContain(CONFIG_KEY);
  });

  test("signed-out requests are refused", async () => {
    expect((await new Client(srv.url).get("/api/models")).status).toBe(401);
    expect((await new Client(srv.url).get("/api/usage")).status).toBe(401);
    expect((await new Client(srv.url).get("/api/admin/providers")).status).toBe(401);
  });
});

describe("admin providers", () => {
  test("only admins may list or change providers", async () => {
    expect((await carol.get("/api/admin/providers")).status).toBe(403);
    const body = { name: "evil", kind: "openai", base_url: "http://127.0.0.1:1/v1" };
    expect((await carol.post("/api/admin/providers", body)).status).toBe(403);
  });

  test("create, read, update, models, delete: key material never comes back", async () => {
    const created = await admin.post<{ provider: Provider }>("/api/admin/providers", {
      name: "mine",
      kind: "openai",
      base_url: fixture.openaiBaseUrl,
      api_key: STORED_KEY,
      models: [{ id: "gpt-x", input_price: 1, output_price: 4 }],
    });
    expect(created.status).toBe(200);
    expect(created.body.provider).toMatchObject({
      name: "mine",
      source: "admin",
      key: { source: "stored", from: null, configured: true },
    });
    const list = await admin.get<{ providers: Provider[] }>("/api/admin/providers");
    expect(list.body.providers.map((p) => `${p.name}:${p.source}`)).toEqual(["fx:config", "mine:admin"]);
    expect(list.body.providers[0]?.key).toEqual({
      source: "env",
      from: "OCTO_TEST_FX_KEY",
      configured: true,
    });
    for (const text of [JSON.stringify(created.body), JSON.stringify(list.body)]) {
      expect(text).not.toContain(STORED_KEY);
      expect(text).not.toContain(CONFIG_KEY);
    }

    const put = await admin.request<{ provider: Provider }>("PUT", "/api/admin/providers/mine/models/gpt-y", {
      body: { context_window: 1000, reasoning: true },
    });
    expect(put.status).toBe(200);
    expect(put.body.provider.models.map((m) => m.id)).toEqual(["gpt-x", "gpt-y"]);
    const dropped = await admin.delete<{ provider: Provider }>("/api/admin/providers/mine/models/gpt-y");
    expect(dropped.body.provider.models.map((m) => m.id)).toEqual(["gpt-x"]);
    expect((await admin.delete("/api/admin/providers/mine/models/gpt-y")).status).toBe(404);

    const picked = await carol.get<ModelsResponse>("/api/models");
    expect(picked.body.models.map((m) => m.id)).toEqual(["fx/gpt-x", "mine/gpt-x"]);

    const temp = await admin.post("/api/admin/providers", {
      name: "temp",
      kind: "anthropic",
      base_url: "https://example.invalid",
      api_key_env: "SOME_VAR",
    });
    expect(temp.status).toBe(200);
    const patched = await admin.request<{ provider: Provider }>("PATCH", "/api/admin/providers/temp", {
      body: { api_key_file: "/etc/octo/keys/temp" },
    });
    expect(patched.body.provider.key).toEqual({
      source: "file",
      from: "/etc/octo/keys/temp",
      configured: false,
    });
    expect((await admin.delete("/api/admin/providers/temp")).status).toBe(200);
    expect((await admin.get("/api/admin/providers/temp")).status).toBe(404);
  });

  test("bad input gets a clear error and changes nothing", async () => {
    const bad = [
      { name: "Bad Name", kind: "openai", base_url: "http://x/v1" },
      { name: "ok", kind: "gemini", base_url: "http://x/v1" },
      { name: "ok", kind: "openai", base_url: "not a url" },
      { name: "ok", kind: "openai", base_url: "http://x/v1", api_key: "a", api_key_env: "B" },
      { name: "ok", kind: "openai", base_url: "http://x/v1", models: [{ id: "m" }, { id: "m" }] },
      { name: "ok", kind: "openai", base_url: "http://x/v1", models: [{ id: "m", input_price: -1 }] },
      { name: "ok", kind: "openai", base_url: "http://x/v1", surprise: true },
    ];
    for (const body of bad) {
      const r = await admin.post("/api/admin/providers", body);
      expect({ body, status: r.status, code: r.code }).toMatchObject({
        status: 422,
        code: "validation_failed",
      });
    }
    const clash = await admin.post("/api/admin/providers", {
      name: "fx",
      kind: "openai",
      base_url: "http://x/v1",
    });
    expect(clash.status).toBe(409);
    expect(JSON.stringify(clash.body)).toContain("config file");
    const patchConfig = await admin.request("PATCH", "/api/admin/providers/fx", {
      body: { base_url: "http://y/v1" },
    });
    expect(patchConfig.status).toBe(409);
    expect((await admin.request("PATCH", "/api/admin/providers/nope", { body: {} })).status).toBe(404);
    const list = await admin.get<{ providers: Provider[] }>("/api/admin/providers");
    expect(list.body.providers.map((p) => p.name)).not.toContain("ok");
  });
});

describe("the gateway process, the HTTP port and usage", () => {
  const tokens = () => createTokenStore(srv.server.ctx.db);

  test("an admin-stored key is used upstream by the gateway and usage shows up for its owner only", async () => {
    const made = await admin.post("/api/admin/providers", {
      name: "viahttp",
      kind: "openai",
      base_url: fixture.openaiBaseUrl,
      api_key: STORED_KEY,
      models: [{ id: "gpt-x", input_price: 1, output_price: 4 }],
    });
    expect(made.status).toBe(200);
    const sessionId = "ses_0000000000000000000000000001";
    const token = tokens().issue({
      userId: carolId,
      projectId: "prj_0000000000000000000000000001",
      sessionId,
    });
    fixture.enqueue([{ text: "over http", chunks: 1 }, { usage: { input: 100000, output: 10000 } }]);
    // Carol's socket, served by the LLM gateway process the server starts on first need.
    const socket = await srv.server.ctx.services.llm.gateway.ensureUser(carolId, "carol");
    if (!socket.ok) throw new Error(socket.error.message);
    const response = await fetch("http://gateway/p/viahttp/v1/chat/completions", {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: openAiBody("gpt-x"),
      unix: socket.value,
    });
    const text = await response.text();
    expect(response.status).toBe(200);
    expect(text).toContain("over http");
    const upstream = fixture.requests.at(-1);
    expect(upstream?.apiKey).toBe(STORED_KEY);
    fixture.assertNoSecret(token);

    const own = await carol.get<UsageResponse>(`/api/usage?session_id=${sessionId}`);
    expect(own.status).toBe(200);
    expect(own.body.totals).toMatchObject({ requests: 1, input_tokens: 100000, output_tokens: 10000 });
    expect(own.body.totals.cost).toBeCloseTo((100000 * 1 + 10000 * 4) / 1e6, 12);
    expect(own.body.by_model.map((m) => m.model)).toEqual(["viahttp/gpt-x"]);

    const dave = new Client(srv.url);
    await dave.login("dave", "password-123");
    const foreign = await dave.get<UsageResponse>(`/api/usage?session_id=${sessionId}`);
    expect(foreign.body.totals.requests).toBe(0);
    const asAdmin = await admin.get<UsageResponse>(`/api/usage?user_id=${carolId}`);
    expect(asAdmin.body.totals.requests).toBe(1);
    expect((await admin.get<UsageResponse>(`/api/usage?user_id=${daveId}`)).body.totals.requests).toBe(0);
    expect((await carol.get("/api/usage?session_id=nope")).status).toBe(422);
  });

  test("the HTTP port refuses LLM calls with 403 llm_socket_only, even with a live session token", async () => {
    const before = fixture.requests.length;
    const token = tokens().issue({ userId: carolId, projectId: "prj_x", sessionId: "ses_http" });
    for (const path of ["/api/llm/p/fx/v1/chat/completions", "/api/llm/p/fx/v1/models"]) {
      const response = await fetch(`${srv.url}${path}`, {
        method: path.endsWith("models") ? "GET" : "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: path.endsWith("models") ? undefined : openAiBody("gpt-x"),
      });
      expect(response.status).toBe(403);
      expect(response.headers.get("x-octo-error")).toBe("llm_socket_only");
      const body = (await response.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe("llm_socket_only");
    }
    expect(fixture.requests.length).toBe(before);
  });
});

import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { newId } from "../../src/protocol/ids.ts";
import { llmUsageRepo } from "../../src/storage/llm.ts";
import { usersRepo } from "../../src/storage/users.ts";
import { type LlmFixture, startLlmFixture } from "../fixtures/llm/server.ts";
import { addUser, anthropicBody, chunkReader, type LlmTestbed, openAiBody, startTestbed } from "./setup.ts";

const OPENAI_KEY = "sk-real-openai-key-0123456789";
const ANTHROPIC_KEY = "sk-ant-real-anthropic-key-0123456789";

let fixture: LlmFixture;
let deadPort: number;
let bed: LlmTestbed;
let token: string;

beforeAll(async () => {
  fixture = await startLlmFixture({ apiKeys: [OPENAI_KEY, ANTHROPIC_KEY], models: ["gpt-x"] });
  // A port that was just free: nothing listens there, so connecting is refused.
  const probe = Bun.serve({ port: 0, fetch: () => new Response() });
  deadPort = probe.port as number;
  await probe.stop(true);
  bed = await startTestbed({
    env: { FX_OPENAI_KEY: OPENAI_KEY },
    maxBodyBytes: 64 * 1024,
    providersToml: `
[[llm.providers]]
name = "fx"
kind = "openai"
base_url = "${fixture.openaiBaseUrl}"
api_key_env = "FX_OPENAI_KEY"
models = [{ id = "gpt-x", input_price = 2.0, output_price = 10.0, cache_read_price = 0.5 }]

[[llm.providers]]
name = "claude"
kind = "anthropic"
base_url = "${fixture.url}"
api_key_file = "KEYFILE"
models = [{ id = "claude-x", input_price = 3.0, output_price = 15.0, cache_read_price = 0.3, cache_write_price = 3.75 }]

[[llm.providers]]
name = "gone"
kind = "openai"
base_url = "http://127.0.0.1:${deadPort}/v1"
api_key_env = "FX_OPENAI_KEY"
models = [{ id = "gpt-x" }]

[[llm.providers]]
name = "keyless"
kind = "openai"
base_url = "${fixture.openaiBaseUrl}"
api_key_env = "NOT_SET_ANYWHERE"
models = [{ id = "gpt-x" }]
`.replace("KEYFILE", "/nonexistent"),
  });
});

afterAll(async () => {
  await bed?.close();
  await fixture?.stop();
});

beforeEach(() => {
  fixture.reset();
  token = bed.service.tokens.issue({
    userId: bed.alice,
    projectId: "prj_p1",
    sessionId: `ses_${crypto.randomUUID()}`,
  });
});

const chat = (model = "gpt-x", extra: object = {}, auth = token) =>
  bed.call("/p/fx/v1/chat/completions", {
    method: "POST",
    headers: { authorization: `Bearer ${auth}`, "content-type": "application/json" },
    body: openAiBody(model, extra),
  });

const usageOf = (sessionId: string) => llmUsageRepo(bed.db).sumByModel({ session_id: sessionId });
const sessionOf = (t: string) => bed.service.tokens.verify(t)?.sessionId as string;

describe("streaming", () => {
  test("chunks pass through as they come: the first arrives while the provider still streams", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    fixture.enqueue([{ text: "Hello", chunks: 1 }, { until: gate }, { text: " world", chunks: 1 }]);
    const response = await chat();
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    const reader = chunkReader(response);
    let seen = "";
    while (!seen.includes("Hello")) {
      const chunk = await reader.next();
      if (chunk === null) throw new Error("stream ended before the first text");
      seen += chunk;
    }
    // The provider is still holding its stream open: nothing was buffered up to the end.
    expect(fixture.requests[0]?.outcome).toBe("streaming");
    expect(seen).not.toContain(" world");
    release();
    const rest = await reader.rest();
    expect(rest).toContain(" world");
    expect(rest).toContain("[DONE]");
    await fixture.waitFor(() => usageOf(sessionOf(token)).length > 0);
  });

  test("the real key reaches the provider; the session token does not", async () => {
    fixture.enqueue([{ text: "hi" }]);
    const response = await chat();
    await response.text();
    const sent = fixture.requests[0];
    expect(sent?.apiKey).toBe(OPENAI_KEY);
    expect(sent?.headers.authorization).toBe(`Bearer ${OPENAI_KEY}`);
    fixture.assertNoSecret(token);
    expect(fixture.secretLocations("octo_llm_")).toEqual([]);
  });

  test("a client that goes away cancels the provider's stream and the call is still logged", async () => {
    const never = new Promise(() => {});
    fixture.enqueue([{ text: "partial", chunks: 1 }, { until: never }]);
    const response = await chat();
    const reader = chunkReader(response);
    await reader.next();
    await reader.cancel();
    await fixture.waitFor(() => fixture.requests[0]?.outcome === "client-aborted");
    await fixture.waitFor(() => bed.logs.some((l) => l.includes('"outcome":"client-closed"')));
  });
});

describe("tokens", () => {
  test("no, malformed, unknown and revoked tokens get 401 and never reach the provider", async () => {
    const noAuth = await bed.call("/p/fx/v1/chat/completions", { method: "POST", body: openAiBody("gpt-x") });
    expect(noAuth.status).toBe(401);
    expect(((await noAuth.json()) as { error: { message: string } }).error.message).toContain(
      "session token",
    );
    expect((await chat("gpt-x", {}, "octo_llm_short")).status).toBe(401);
    const unknown = `octo_llm_${"A".repeat(43)}`;
    expect((await chat("gpt-x", {}, unknown)).status).toBe(401);
    expect((await chat("gpt-x", {}, OPENAI_KEY)).status).toBe(401);
    const session = sessionOf(token);
    expect(bed.service.tokens.revokeSession(session)).toBe(1);
    expect((await chat()).status).toBe(401);
    expect(fixture.requests).toHaveLength(0);
  });

  test("a new token for a session revokes the old one", async () => {
    const scope = bed.service.tokens.verify(token);
    if (!scope) throw new Error("token should be live");
    const next = bed.service.tokens.issue(scope);
    expect(bed.service.tokens.verify(token)).toBeNull();
    expect(bed.service.tokens.verify(next)?.sessionId).toBe(scope.sessionId);
  });

  test("a disabled user's tokens stop working at once", async () => {
    const carol = addUser(bed.db, `carol${Date.now()}`);
    const carols = bed.service.tokens.issue({ userId: carol, projectId: "prj_c", sessionId: "ses_c" });
    expect(bed.service.tokens.verify(carols)?.userId).toBe(carol);
    usersRepo(bed.db).setDisabled(carol, true, Date.now());
    expect(bed.service.tokens.verify(carols)).toBeNull();
  });

  test("a disabled user's agent is told the account is disabled, not that its token is bad", async () => {
    const own = bed.service.tokens.issue({ userId: bed.alice, projectId: "prj_d", sessionId: "ses_d" });
    usersRepo(bed.db).setDisabled(bed.alice, true, Date.now());
    try {
      const r = await chat("gpt-x", {}, own);
      expect(r.status).toBe(403);
      const text = await r.text();
      expect(text).toContain("account_disabled");
      expect(text).toContain("this account is disabled");
      expect(fixture.requests).toHaveLength(0);
    } finally {
      usersRepo(bed.db).setDisabled(bed.alice, false, Date.now());
    }
  });

  test("another user's token is refused on this user's socket", async () => {
    const bobs = bed.service.tokens.issue({ userId: bed.bob, projectId: "prj_b", sessionId: "ses_b" });
    expect((await chat("gpt-x", {}, bobs)).status).toBe(401);
    expect(fixture.requests).toHaveLength(0);
  });

  test("Anthropic clients authenticate with x-api-key; the real key replaces it", async () => {
    writeFileSync(join(bed.dir, "anthropic.key"), `${ANTHROPIC_KEY}\n`);
    // Point the provider's key file at the one just written (read at request time: no restart).
    const provider = bed.service.providerDeps.configured.find((p) => p.name === "claude");
    if (!provider) throw new Error("claude provider missing");
    provider.api_key_file = join(bed.dir, "anthropic.key");
    fixture.enqueue([{ text: "bonjour" }, { usage: { input: 1000, output: 200 } }]);
    const response = await bed.call("/p/claude/v1/messages", {
      method: "POST",
      headers: { "x-api-key": token, "anthropic-version": "2023-06-01", "content-type": "application/json" },
      body: anthropicBody("claude-x"),
    });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("message_stop");
    expect(fixture.requests[0]?.headers["x-api-key"]).toBe(ANTHROPIC_KEY);
    expect(fixture.requests[0]?.path).toBe("/v1/messages");
    fixture.assertNoSecret(token);
    await fixture.waitFor(() => usageOf(sessionOf(token)).length > 0);
    const [row] = usageOf(sessionOf(token));
    expect(row).toMatchObject({
      model: "claude/claude-x",
      requests: 1,
      input_tokens: 1000,
      output_tokens: 200,
    });
    expect(row?.cost).toBeCloseTo((1000 * 3 + 200 * 15) / 1e6, 12);
  });
});

describe("usage", () => {
  test("OpenAI usage chunk is recorded with its cost per user, project, session and model", async () => {
    fixture.enqueue([{ text: "counted" }, { usage: { input: 1234, output: 567 } }]);
    const response = await chat();
    await response.text();
    const session = sessionOf(token);
    await fixture.waitFor(() => usageOf(session).length > 0);
    const [row] = usageOf(session);
    expect(row).toMatchObject({ model: "fx/gpt-x", requests: 1, input_tokens: 1234, output_tokens: 567 });
    expect(row?.cost).toBeCloseTo((1234 * 2 + 567 * 10) / 1e6, 12);
    const mine = llmUsageRepo(bed.db).sumByModel({ user_id: bed.alice, project_id: "prj_p1" });
    expect(mine.length).toBeGreaterThan(0);
    expect(llmUsageRepo(bed.db).sumByModel({ user_id: bed.bob })).toEqual([]);
  });

  test("a call whose provider reports no usage still counts as a request, at zero cost", async () => {
    fixture.enqueue([{ text: "no usage" }]);
    const response = await chat("gpt-x", { stream_options: undefined });
    await response.text();
    const session = sessionOf(token);
    await fixture.waitFor(() => usageOf(session).length > 0);
    expect(usageOf(session)[0]).toMatchObject({ requests: 1, input_tokens: 0, output_tokens: 0, cost: 0 });
  });
});

describe("errors", () => {
  test("429 and 500 from the provider pass through unchanged", async () => {
    for (const status of [429, 500]) {
      fixture.reset();
      fixture.enqueue([{ httpError: status, message: `fixture says ${status}` }]);
      const response = await chat();
      expect(response.status).toBe(status);
      const body = (await response.json()) as { error: { message: string } };
      expect(body.error.message).toBe(`fixture says ${status}`);
    }
  });

  test("a context overflow 400 passes through with the provider's own message", async () => {
    fixture.enqueue([{ contextOverflow: true }]);
    const response = await chat();
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
      "context_length_exceeded",
    );
  });

  test("an unknown provider or model gets a clear 404 naming it", async () => {
    const noProvider = await bed.call("/p/nope/v1/chat/completions", {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
      body: openAiBody("gpt-x"),
    });
    expect(noProvider.status).toBe(404);
    expect(await noProvider.text()).toContain('no LLM provider \\"nope\\"');
    const noModel = await chat("gpt-unknown");
    expect(noModel.status).toBe(404);
    const text = await noModel.text();
    expect(text).toContain("gpt-unknown");
    expect(text).toContain("offered: gpt-x");
    expect(fixture.requests).toHaveLength(0);
  });

  test("an unsupported path, a body that is not JSON, and one without a model are refused", async () => {
    const auth = { authorization: `Bearer ${token}` };
    const wrongApi = await bed.call("/p/fx/v1/messages", { method: "POST", headers: auth, body: "{}" });
    expect(wrongApi.status).toBe(404);
    const notJson = await bed.call("/p/fx/v1/chat/completions", {
      method: "POST",
      headers: auth,
      body: "{nope",
    });
    expect(notJson.status).toBe(400);
    const noModel = await bed.call("/p/fx/v1/chat/completions", {
      method: "POST",
      headers: auth,
      body: "{}",
    });
    expect(noModel.status).toBe(400);
    expect((await bed.call("/elsewhere", { headers: auth })).status).toBe(404);
    expect(fixture.requests).toHaveLength(0);
  });

  test("a body over the limit gets 413, declared or streamed", async () => {
    const big = openAiBody("gpt-x", { padding: "x".repeat(70 * 1024) });
    const declared = await chat("gpt-x", { padding: "x".repeat(70 * 1024) });
    expect(declared.status).toBe(413);
    const streamed = await bed.call("/p/fx/v1/chat/completions", {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
      body: new Blob([big]).stream(),
    });
    expect(streamed.status).toBe(413);
    expect(await streamed.text()).toContain("larger than");
    expect(fixture.requests).toHaveLength(0);
  });

  test("an unreachable provider gives 502 with a message pi can show", async () => {
    const response = await bed.call("/p/gone/v1/chat/completions", {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
      body: openAiBody("gpt-x"),
    });
    expect(response.status).toBe(502);
    const body = (await response.json()) as { error: { message: string; code: string } };
    expect(body.error.message).toContain('cannot reach provider "gone"');
    expect(body.error.code).toBe("agent_failed");
  });

  test("a model nobody may pick (its key is not set) is refused with 403 model_not_allowed", async () => {
    const response = await bed.call("/p/keyless/v1/chat/completions", {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
      body: openAiBody("gpt-x"),
    });
    expect(response.status).toBe(403);
    expect(response.headers.get("x-octo-error")).toBe("model_not_allowed");
    expect(await response.text()).toContain("is not available to this session");
    expect(fixture.requests).toHaveLength(0);
  });

  test("a session whose own model has no key set gets 503 saying which variable to set", async () => {
    const now = Date.now();
    const projectId = newId("prj");
    bed.db
      .query(
        "INSERT INTO projects (id, user_id, name, slug, profile, created_at, updated_at, last_activity_at) VALUES (?, ?, 'P', ?, 'default', ?, ?, ?)",
      )
      .run(projectId, bed.alice, projectId, now, now, now);
    const sessionId = newId("ses");
    bed.db
      .query(
        "INSERT INTO sessions (id, user_id, project_id, model, profile, created_at, updated_at) VALUES (?, ?, ?, 'keyless/gpt-x', 'default', ?, ?)",
      )
      .run(sessionId, bed.alice, projectId, now, now);
    const own = bed.service.tokens.issue({ userId: bed.alice, projectId, sessionId });
    const response = await bed.call("/p/keyless/v1/chat/completions", {
      method: "POST",
      headers: { authorization: `Bearer ${own}` },
      body: openAiBody("gpt-x"),
    });
    expect(response.status).toBe(503);
    expect(await response.text()).toContain("NOT_SET_ANYWHERE");
    expect(fixture.requests).toHaveLength(0);
  });
});

describe("models and logging", () => {
  test("GET /v1/models lists only the configured models, in the provider's dialect", async () => {
    const auth = { authorization: `Bearer ${token}` };
    const openai = (await (await bed.call("/p/fx/v1/models", { headers: auth })).json()) as {
      data: { id: string }[];
    };
    expect(openai.data.map((m) => m.id)).toEqual(["gpt-x"]);
    const claude = await bed.call("/p/claude/v1/models", { headers: { "x-api-key": token } });
    expect(((await claude.json()) as { data: { type: string }[] }).data[0]?.type).toBe("model");
    expect((await bed.call("/p/fx/v1/models")).status).toBe(401);
  });

  test("every call is logged without keys or tokens", async () => {
    fixture.enqueue([{ text: "logged" }]);
    await (await chat()).text();
    await fixture.waitFor(() => bed.logs.some((l) => l.includes('"msg":"llm call"')));
    const all = bed.logs.join("\n");
    expect(all).not.toContain(OPENAI_KEY);
    expect(all).not.toContain(ANTHROPIC_KEY);
    expect(all).not.toContain("octo_llm_");
  });
});

describe("embeddings", () => {
  const embed = (model: string, auth = token, provider = "fx") =>
    bed.call(`/p/${provider}/v1/embeddings`, {
      method: "POST",
      headers: { authorization: `Bearer ${auth}`, "content-type": "application/json" },
      body: JSON.stringify({ model, input: ["hello world"] }),
    });

  test("only the configured embedding model, on an OpenAI-compatible provider; metered per session", async () => {
    // None configured: refused before the provider is asked.
    const none = await embed("text-embed");
    expect([none.status, none.headers.get("x-octo-error")]).toEqual([403, "model_not_allowed"]);
    expect(bed.service.admin.setEmbeddingModel({ model: "claude/x" })).toMatchObject({
      ok: false,
      error: { code: "validation_failed" },
    });
    expect(bed.service.admin.setEmbeddingModel({ model: "fx/text-embed" }).ok).toBe(true);
    const other = await embed("another-embed");
    expect(other.status).toBe(403);
    const good = await embed("text-embed");
    expect(good.status).toBe(200);
    const body = (await good.json()) as { data: { embedding: number[] }[] };
    expect(body.data[0]?.embedding).toHaveLength(64);
    // The provider got the real key; the session's usage has the call.
    expect(fixture.requests.at(-1)?.apiKey).toBe(OPENAI_KEY);
    const scope = bed.service.tokens.verify(token);
    const used = usageOf(scope?.sessionId ?? "");
    expect(used.map((u) => u.model)).toEqual(["fx/text-embed"]);
    expect(used[0]?.input_tokens).toBeGreaterThan(0);
    // A bad token never reaches the provider.
    const before = fixture.requests.length;
    expect((await embed("text-embed", "octo_llm_bad")).status).toBe(401);
    expect(fixture.requests.length).toBe(before);
    bed.service.admin.setEmbeddingModel({ model: null });
  });
});

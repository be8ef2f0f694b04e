import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Client } from "../http/client.ts";
import { addUser, startTestServer, type TestServer } from "../http/harness.ts";
import { startBraveSearch, startSearxng } from "./fixtures.ts";

/**
 * Admin → search backend over HTTP: config.toml's SearXNG shows first; an admin saves another
 * SearXNG or Brave's Search API (key write-only, never answered), tests it with a real query, and
 * clears it back to the config's. Only admins may.
 */

const KEY = "BSA-test-key-0123456789abcdef";
let t: TestServer;
let admin: Client;
let user: Client;
let configured: ReturnType<typeof startSearxng>;
let other: ReturnType<typeof startSearxng>;
let brave: ReturnType<typeof startBraveSearch>;

beforeAll(async () => {
  configured = startSearxng();
  other = startSearxng();
  brave = startBraveSearch(KEY);
  t = await startTestServer(`[search]\nsearxng_url = "${configured.url}"\n`);
  admin = new Client(t.url);
  await admin.login(t.admin.username, t.admin.password);
  await addUser(admin, "searcher", "searcher-password-1");
  user = new Client(t.url);
  await user.login("searcher", "searcher-password-1");
});
afterAll(async () => {
  await t?.stop();
  configured?.stop();
  other?.stop();
  brave?.stop();
});

const put = (body: unknown) => admin.request("PUT", "/api/admin/search", { body });

describe("the search backend for admins", () => {
  test("config.toml's SearXNG is shown with its source", async () => {
    const r = await admin.get("/api/admin/search");
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      configured: true,
      backend: "searxng",
      url: configured.url,
      source: "config",
      key: { configured: false },
      timeout_ms: 10_000,
    });
  });

  test("an admin saves another SearXNG; the test query goes there", async () => {
    const saved = await put({ backend: "searxng", url: other.url });
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({ backend: "searxng", url: other.url, source: "settings" });
    const tried = await admin.post<{ results: { url: string }[]; backend: string }>(
      "/api/admin/search/test",
      {
        query: "saved one",
      },
    );
    expect(tried.status).toBe(200);
    expect(tried.body.backend).toBe("searxng");
    expect(other.queries).toEqual(["saved one"]);
    expect(configured.queries).toEqual([]);
  });

  test("Brave's API with a key: the key is stored, never answered, and sent by the server", async () => {
    const saved = await put({ backend: "brave", url: brave.url, api_key: KEY });
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({ backend: "brave", url: brave.url, key: { configured: true } });
    expect(JSON.stringify(saved.body)).not.toContain(KEY);
    const shown = await admin.get("/api/admin/search");
    expect(JSON.stringify(shown.body)).not.toContain(KEY);
    const tried = await admin.post<{ results: { title: string; snippet: string }[] }>(
      "/api/admin/search/test",
      {
        query: "otters",
      },
    );
    expect(tried.status).toBe(200);
    expect(tried.body.results.map((r) => r.title)).toEqual(["Brave first about otters", "Brave second"]);
    expect(tried.body.results[0]?.snippet).toBe("All about otters & more");
    expect(brave.queries).toEqual([{ q: "otters", count: "5" }]);
    // Saving again without a key keeps the stored one.
    expect((await put({ backend: "brave", url: brave.url })).status).toBe(200);
    expect((await admin.post("/api/admin/search/test", { query: "again" })).status).toBe(200);
  });

  test("a wrong key comes back as search_failed in plain words", async () => {
    expect((await put({ backend: "brave", url: brave.url, api_key: "wrong-key" })).status).toBe(200);
    const tried = await admin.post("/api/admin/search/test", { query: "otters" });
    expect(tried.status).toBe(502);
    expect(tried.code).toBe("search_failed");
    expect(JSON.stringify(tried.body)).toContain("refused the API key");
  });

  test("bad input is refused with validation_failed", async () => {
    for (const body of [
      { backend: "searxng", url: "not a url" },
      { backend: "searxng", url: "ftp://x.example/" },
      { backend: "bing", url: "https://x.example/" },
      { backend: "searxng" },
      { backend: "brave", api_key: "has spaces in it" },
      { backend: "searxng", url: "https://x.example/", api_key: "k" },
    ]) {
      const r = await put(body);
      expect(r.status).toBe(422);
      expect(r.code).toBe("validation_failed");
    }
    // Switching to Brave with no key stored fails (the last saved was Brave with "wrong-key": clear first).
    await admin.delete("/api/admin/search");
    const keyless = await put({ backend: "brave" });
    expect(keyless.status).toBe(422);
    expect(JSON.stringify(keyless.body)).toContain("needs an API key");
  });

  test("clearing goes back to config.toml's backend", async () => {
    await put({ backend: "searxng", url: other.url });
    const cleared = await admin.delete("/api/admin/search");
    expect(cleared.status).toBe(200);
    expect(cleared.body).toMatchObject({ backend: "searxng", url: configured.url, source: "config" });
    await admin.post("/api/admin/search/test", { query: "back to config" });
    expect(configured.queries).toEqual(["back to config"]);
  });

  test("only admins read, change or test it", async () => {
    for (const [method, path, body] of [
      ["GET", "/api/admin/search", undefined],
      ["PUT", "/api/admin/search", { backend: "searxng", url: other.url }],
      ["DELETE", "/api/admin/search", undefined],
      ["POST", "/api/admin/search/test", { query: "x" }],
    ] as const) {
      expect((await user.request(method, path, { body })).status).toBe(403);
      expect((await new Client(t.url).request(method, path, { body })).status).toBe(401);
    }
    expect((await admin.get("/api/admin/search")).body).toMatchObject({ source: "config" });
  });
});

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Client } from "./client.ts";
import { startTestServer, type TestServer } from "./harness.ts";

const MAX_BODY = 4096;
let t: TestServer;
let admin: Client;
let apiKey: string;
beforeAll(async () => {
  t = await startTestServer(`
[server]
public_url = "https://octo.example.com"
max_body_bytes = ${MAX_BODY}

[auth]
allowed_origins = ["http://localhost:5173"]
`);
  // A browser on the public URL (the server is reached through a proxy there).
  admin = new Client(t.url, "https://octo.example.com");
  await admin.login(t.admin.username, t.admin.password);
  apiKey = (await admin.post<{ secret: string }>("/api/account/keys", { name: "script" })).body.secret;
});
afterAll(() => t.stop());

describe("Origin allow-list on cookie-authenticated state changes", () => {
  test("behind an https public_url the session cookie is Secure", async () => {
    const r = await new Client(t.url, "https://octo.example.com").login(t.admin.username, t.admin.password);
    expect(r.headers.get("set-cookie")).toContain("; Secure");
  });

  test("a cookie presented from another origin is refused with 403 origin_not_allowed", async () => {
    const r = await admin.post("/api/account/keys", { name: "x" }, { origin: "https://evil.example" });
    expect(r.status).toBe(403);
    expect(r.body.error).toMatchObject({
      code: "origin_not_allowed",
      message: expect.stringContaining("evil.example"),
    });
    expect((await admin.delete("/api/account/keys/key_x", { origin: "null" })).code).toBe(
      "origin_not_allowed",
    );
    // Same host, other port is another origin.
    const port = new URL(t.url).port;
    const other = `http://127.0.0.1:${Number(port) + 1}`;
    expect((await admin.post("/api/admin/invites", {}, { origin: other })).code).toBe("origin_not_allowed");
  });

  test("a state change with a cookie and no Origin is refused", async () => {
    const r = await admin.post("/api/admin/invites", {}, { origin: null });
    expect(r.status).toBe(403);
    expect(r.code).toBe("origin_not_allowed");
    expect((await admin.post("/api/auth/logout", undefined, { origin: null })).code).toBe(
      "origin_not_allowed",
    );
    expect((await admin.get("/api/auth/me")).status).toBe(200);
  });

  test("public_url and allowed_origins may change state; reads need no Origin", async () => {
    for (const origin of ["https://octo.example.com", "http://localhost:5173"]) {
      expect((await admin.post("/api/admin/invites", {}, { origin })).status).toBe(200);
    }
    expect((await admin.get("/api/admin/invites", { origin: null })).status).toBe(200);
    expect((await admin.get("/api/admin/invites", { origin: "https://evil.example" })).status).toBe(200);
  });

  test("login from a foreign page is refused; login from a script without Origin is fine", async () => {
    const foreign = await new Client(t.url, "https://evil.example").post("/api/auth/login", {
      username: t.admin.username,
      password: t.admin.password,
    });
    expect(foreign.status).toBe(403);
    expect(foreign.code).toBe("origin_not_allowed");
    expect(foreign.headers.get("set-cookie")).toBeNull();
    await new Client(t.url, null).login(t.admin.username, t.admin.password);
  });

  test("with public_url set, an Origin that only matches the request's Host header is refused", async () => {
    // DNS rebinding: a page on evil.example, resolved to this server, sends Host and Origin alike.
    const rebound = await admin.post(
      "/api/admin/invites",
      {},
      { origin: "http://evil.example", headers: { host: "evil.example" } },
    );
    expect(rebound.status).toBe(403);
    expect(rebound.code).toBe("origin_not_allowed");
    expect((await admin.post("/api/admin/invites", {}, { origin: t.url })).code).toBe("origin_not_allowed");
    const login = await new Client(t.url, "http://evil.example").post(
      "/api/auth/login",
      { username: t.admin.username, password: t.admin.password },
      { headers: { host: "evil.example" } },
    );
    expect(login.code).toBe("origin_not_allowed");
  });

  test("API-key requests are exempt: they are not sent by browsers on their own", async () => {
    const script = new Client(t.url, null);
    const headers = { authorization: `Bearer ${apiKey}` };
    expect((await script.post("/api/admin/invites", {}, { headers })).status).toBe(200);
    expect(
      (await script.post("/api/admin/invites", {}, { headers, origin: "https://evil.example" })).status,
    ).toBe(200);
  });
});

describe("request bodies", () => {
  const post = (raw: string | ReadableStream<Uint8Array>, headers: Record<string, string> = {}) =>
    admin.request("POST", "/api/admin/invites", {
      raw,
      headers: { "content-type": "application/json", ...headers },
    });

  test("malformed JSON is 400 invalid_json", async () => {
    for (const raw of ["{", '{"max_uses": }', "nope", '{"a":1}}']) {
      const r = await post(raw);
      expect(r.status).toBe(400);
      expect(r.code).toBe("invalid_json");
    }
    const latin1 = new Uint8Array([0x7b, 0x22, 0xe9, 0x22, 0x3a, 0x31, 0x7d]);
    const r = await fetch(`${t.url}/api/admin/invites`, {
      method: "POST",
      body: latin1,
      headers: { cookie: `octo_session=${admin.cookie}`, origin: t.url, "content-type": "application/json" },
    });
    expect(r.status).toBe(400);
    expect(((await r.json()) as { error: { code: string } }).error.code).toBe("invalid_json");
  });

  test("a body over max_body_bytes is 413 JSON, by Content-Length", async () => {
    const r = await post(JSON.stringify({ note: "x".repeat(MAX_BODY) }));
    expect(r.status).toBe(413);
    expect(r.body.error).toMatchObject({
      code: "payload_too_large",
      message: expect.stringContaining(`${MAX_BODY}`),
    });
    // Refused before authentication even looks at it.
    const anonymous = await new Client(t.url).post("/api/auth/login", undefined, {
      raw: "x".repeat(MAX_BODY + 1),
    });
    expect(anonymous.status).toBe(413);
  });

  test("a chunked body without Content-Length is cut off at the limit with 413 JSON", async () => {
    let sent = 0;
    const chunk = new TextEncoder().encode(" ".repeat(1024));
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        // Endless unless the server stops reading: the test would hang, not pass, if it read on.
        sent += chunk.byteLength;
        controller.enqueue(chunk);
        if (sent > 64 * 1024 * 1024) controller.close();
      },
    });
    const r = await fetch(`${t.url}/api/admin/invites`, {
      method: "POST",
      body: stream,
      headers: { cookie: `octo_session=${admin.cookie}`, origin: t.url, "content-type": "application/json" },
    });
    expect(r.status).toBe(413);
    expect(((await r.json()) as { error: { code: string } }).error.code).toBe("payload_too_large");
    expect(sent).toBeLessThan(64 * 1024 * 1024);
  });

  test("a body just under the limit is accepted", async () => {
    const body = JSON.stringify({ note: "ok" });
    const r = await post(body + " ".repeat(MAX_BODY - body.length));
    expect(r.status).toBe(200);
  });

  test("schema mismatches are 422 naming the field", async () => {
    const cases: [unknown, string][] = [
      [{ max_uses: "3" }, "max_uses"],
      [{ surprise: true }, "surprise: unknown field"],
      [[1, 2], ""],
    ];
    for (const [body, expected] of cases) {
      const r = await admin.post("/api/admin/invites", body);
      expect(r.status).toBe(422);
      expect(r.body.error).toMatchObject({
        code: "validation_failed",
        message: expect.stringContaining(expected),
      });
    }
  });
});

test("unknown API routes are 404 JSON", async () => {
  const r = await admin.get("/api/nope");
  expect(r.status).toBe(404);
  expect(r.code).toBe("not_found");
});

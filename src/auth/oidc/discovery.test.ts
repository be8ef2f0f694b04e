import { afterAll, describe, expect, test } from "bun:test";
import { DiscoveryCache } from "./discovery.ts";

/** Discovery against a small real HTTP server whose answer the test changes. */

let answer: { status: number; body: unknown } = { status: 200, body: {} };
let reads = 0;
const server = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  fetch() {
    reads++;
    return Response.json(answer.body, { status: answer.status });
  },
});
afterAll(() => server.stop(true));
const issuer = `http://127.0.0.1:${server.port}`;
const doc = (extra: Record<string, unknown> = {}) => ({
  issuer,
  authorization_endpoint: `${issuer}/auth`,
  token_endpoint: `${issuer}/token`,
  jwks_uri: `${issuer}/jwks`,
  ...extra,
});

describe("DiscoveryCache", () => {
  test("cached for its time, then read again; a failed refresh keeps the last good document", async () => {
    let now = 1_000_000;
    const cache = new DiscoveryCache({ ttlMs: 60_000, jwksCooldownMs: 0, timeoutMs: 2_000, now: () => now });
    answer = { status: 200, body: doc({ end_session_endpoint: `${issuer}/end` }) };
    reads = 0;
    const first = await cache.get(issuer);
    expect(first.ok && first.value.doc.end_session_endpoint).toBe(`${issuer}/end`);
    await cache.get(issuer);
    expect(reads).toBe(1);
    // Past its time: read again, and the new document is used.
    now += 61_000;
    answer = { status: 200, body: doc() };
    const second = await cache.get(issuer);
    expect(reads).toBe(2);
    expect(second.ok && second.value.doc.end_session_endpoint).toBeUndefined();
    // The provider breaks: the last good document still serves.
    now += 61_000;
    answer = { status: 500, body: {} };
    const third = await cache.get(issuer);
    expect(reads).toBe(3);
    expect(third.ok).toBe(true);
  });

  test("a document that names another issuer, or lacks endpoints, is refused", async () => {
    const cache = new DiscoveryCache({ ttlMs: 60_000, jwksCooldownMs: 0, timeoutMs: 2_000, now: Date.now });
    answer = { status: 200, body: doc({ issuer: "https://evil.example" }) };
    const other = await cache.get(issuer);
    expect(!other.ok && other.error.code).toBe("oidc_unavailable");
    expect(!other.ok && other.error.message).toContain("calls itself https://evil.example");
    answer = { status: 200, body: { issuer } };
    const partial = await cache.get(issuer);
    expect(!partial.ok && partial.error.message).toContain("incomplete");
  });

  test("a provider that cannot be reached is oidc_unavailable", async () => {
    const cache = new DiscoveryCache({ ttlMs: 60_000, jwksCooldownMs: 0, timeoutMs: 2_000, now: Date.now });
    const r = await cache.get("http://127.0.0.1:9");
    expect(!r.ok && r.error.code).toBe("oidc_unavailable");
  });
});

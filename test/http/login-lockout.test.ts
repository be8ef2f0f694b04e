import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import http from "node:http";
import { Client } from "./client.ts";
import { addUser, startTestServer, type TestServer } from "./harness.ts";

/**
 * Login limits an attacker cannot turn against the user (a browser that signed in before, or an
 * address the user signed in from, still gets in with the right password), and X-Forwarded-For
 * believed only from a configured trusted proxy.
 */
interface Sent {
  from: string;
  cookie?: string;
  forwardedFor?: string;
}

function login(url: string, how: Sent, username: string, password: string) {
  const { hostname, port } = new URL(url);
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (how.cookie) headers.cookie = how.cookie;
  if (how.forwardedFor) headers["x-forwarded-for"] = how.forwardedFor;
  return new Promise<{ status: number; code: string | undefined; cookies: string[] }>((resolve, reject) => {
    const req = http.request(
      { host: hostname, port, path: "/api/auth/login", method: "POST", localAddress: how.from, headers },
      (res) => {
        let text = "";
        res.on("data", (c) => {
          text += c;
        });
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            code: text ? JSON.parse(text)?.error?.code : undefined,
            cookies: (res.headers["set-cookie"] ?? []).map((c) => c.split(";")[0] as string),
          }),
        );
      },
    );
    req.on("error", reject);
    req.end(JSON.stringify({ username, password }));
  });
}

describe("lock-out by user name", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer("[auth]\nlogin_attempts_per_minute = 3\n");
    const admin = new Client(t.url);
    await admin.login(t.admin.username, t.admin.password);
    for (const name of ["vic", "wes"]) await addUser(admin, name, `${name}-password`);
  });
  afterAll(() => t.stop());

  test("a flood of wrong passwords locks out strangers, not the user's known browser or address", async () => {
    const first = await login(t.url, { from: "127.0.1.1" }, "vic", "vic-password");
    expect(first.status).toBe(200);
    const device = first.cookies.find((c) => c.startsWith("octo_device="));
    const session = first.cookies.find((c) => c.startsWith("octo_session="));
    expect(device).toBeDefined();

    // The attacker, from several addresses: the user name's allowance runs out.
    for (const ip of ["127.0.1.2", "127.0.1.3", "127.0.1.4"])
      expect((await login(t.url, { from: ip }, "vic", "guess")).status).toBe(401);
    const stranger = await login(t.url, { from: "127.0.1.5" }, "vic", "vic-password");
    expect(stranger.status).toBe(429);
    expect(stranger.code).toBe("rate_limited");

    // The user: the browser that signed in before, from a new address; and the known address.
    expect((await login(t.url, { from: "127.0.1.5", cookie: device }, "vic", "vic-password")).status).toBe(
      200,
    );
    expect((await login(t.url, { from: "127.0.1.1" }, "vic", "vic-password")).status).toBe(200);

    // A session token or another user's device cookie is no device cookie for vic.
    const forged = session?.replace("octo_session=", "octo_device=");
    expect((await login(t.url, { from: "127.0.1.6", cookie: forged }, "vic", "vic-password")).status).toBe(
      429,
    );
    const wesDevice = (await login(t.url, { from: "127.0.1.7" }, "wes", "wes-password")).cookies.find((c) =>
      c.startsWith("octo_device="),
    );
    expect((await login(t.url, { from: "127.0.1.8", cookie: wesDevice }, "vic", "vic-password")).status).toBe(
      429,
    );
  });

  test("a device cookie does not let its holder guess freely: its failures are limited per device", async () => {
    const first = await login(t.url, { from: "127.0.2.1" }, "wes", "wes-password");
    const device = first.cookies.find((c) => c.startsWith("octo_device="));
    for (let i = 0; i < 3; i++)
      expect((await login(t.url, { from: "127.0.2.2", cookie: device }, "wes", "guess")).status).toBe(401);
    expect((await login(t.url, { from: "127.0.2.2", cookie: device }, "wes", "wes-password")).status).toBe(
      429,
    );
  });
});

describe("client address behind a trusted proxy", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(
      '[server]\ntrusted_proxies = ["127.0.3.1"]\n\n[auth]\nlogin_attempts_per_minute = 3\n',
    );
  });
  afterAll(() => t.stop());

  test("from the trusted proxy, the per-address limit applies to the X-Forwarded-For client", async () => {
    const proxied = (client: string) => ({ from: "127.0.3.1", forwardedFor: `6.6.6.6, ${client}` });
    for (const name of ["p1", "p2", "p3"])
      expect((await login(t.url, proxied("198.51.100.1"), name, "guess")).status).toBe(401);
    expect((await login(t.url, proxied("198.51.100.1"), "p4", "guess")).status).toBe(429);
    // Another client behind the same proxy is not held back by the first one's failures.
    expect((await login(t.url, proxied("198.51.100.2"), "p5", "guess")).status).toBe(401);
  });

  test("from any other peer, X-Forwarded-For is ignored: rotating it does not reset the limit", async () => {
    for (const [i, name] of ["q1", "q2", "q3"].entries())
      expect(
        (await login(t.url, { from: "127.0.3.2", forwardedFor: `203.0.113.${i}` }, name, "guess")).status,
      ).toBe(401);
    const r = await login(t.url, { from: "127.0.3.2", forwardedFor: "203.0.113.99" }, "q4", "guess");
    expect(r.status).toBe(429);
  });
});

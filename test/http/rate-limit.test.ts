import { afterAll, beforeAll, expect, test } from "bun:test";
import http from "node:http";
import { Client } from "./client.ts";
import { addUser, startTestServer, type TestServer } from "./harness.ts";

/** A POST from a chosen loopback source address (127.0.0.x), to tell clients apart by IP. */
function postFrom(localAddress: string, url: string, path: string, body: unknown) {
  const { hostname, port } = new URL(url);
  return new Promise<{ status: number; retryAfter: string | undefined; code: string | undefined }>(
    (resolve, reject) => {
      const req = http.request(
        {
          host: hostname,
          port,
          path,
          method: "POST",
          localAddress,
          headers: { "content-type": "application/json" },
        },
        (res) => {
          let text = "";
          res.on("data", (c) => {
            text += c;
          });
          res.on("end", () =>
            resolve({
              status: res.statusCode ?? 0,
              retryAfter: res.headers["retry-after"] as string | undefined,
              code: text ? JSON.parse(text)?.error?.code : undefined,
            }),
          );
        },
      );
      req.on("error", reject);
      req.end(JSON.stringify(body));
    },
  );
}

let t: TestServer;
let admin: Client;
beforeAll(async () => {
  t = await startTestServer("[auth]\nlogin_attempts_per_minute = 3\n");
  admin = new Client(t.url);
  await admin.login(t.admin.username, t.admin.password);
  for (const name of ["mia", "ned", "olga"]) await addUser(admin, name, `${name}-password`);
});
afterAll(() => t.stop());

const login = (ip: string, username: string, password: string) =>
  postFrom(ip, t.url, "/api/auth/login", { username, password });

test("successful logins do not use up the allowance", async () => {
  for (let i = 0; i < 6; i++) expect((await login("127.0.0.9", "mia", "mia-password")).status).toBe(200);
});

test("per user name: after 3 failures even another IP and the right password get 429 with Retry-After", async () => {
  for (let i = 0; i < 3; i++) expect((await login("127.0.0.2", "ned", "wrong-password")).status).toBe(401);
  const limited = await login("127.0.0.2", "ned", "ned-password");
  expect(limited.status).toBe(429);
  expect(limited.code).toBe("rate_limited");
  expect(Number(limited.retryAfter)).toBeGreaterThan(0);
  expect(Number(limited.retryAfter)).toBeLessThanOrEqual(60);
  const otherIp = await login("127.0.0.3", "ned", "ned-password");
  expect(otherIp.status).toBe(429);
  // Other users are unaffected.
  expect((await login("127.0.0.3", "olga", "olga-password")).status).toBe(200);
});

test("per IP: failures spread over many user names still hit the limit", async () => {
  for (const name of ["x1", "x2", "x3"])
    expect((await login("127.0.0.4", name, "whatever-pw")).status).toBe(401);
  const limited = await login("127.0.0.4", "olga", "olga-password");
  expect(limited.status).toBe(429);
  expect(limited.retryAfter).toBeDefined();
  expect((await login("127.0.0.5", "olga", "olga-password")).status).toBe(200);
});

test("a concurrent burst of wrong passwords is capped too", async () => {
  const burst = await Promise.all(
    Array.from({ length: 10 }, () => login("127.0.0.6", "zed", "wrong-password")),
  );
  expect(burst.filter((r) => r.status === 401)).toHaveLength(3);
  expect(burst.filter((r) => r.status === 429)).toHaveLength(7);
});

test("guessing invite codes is limited per IP; known codes are not counted", async () => {
  const signup = (code: string, username: string) =>
    postFrom("127.0.0.7", t.url, "/api/auth/signup", {
      invite_code: code,
      username,
      password: "long-enough",
    });
  for (let i = 0; i < 3; i++) expect((await signup(`guess-${i}`, "pat")).status).toBe(410);
  expect((await signup("guess-4", "pat")).status).toBe(429);
  const other = await postFrom("127.0.0.8", t.url, "/api/auth/signup", {
    invite_code: "guess-5",
    username: "pat",
    password: "long-enough",
  });
  expect(other.status).toBe(410);
});

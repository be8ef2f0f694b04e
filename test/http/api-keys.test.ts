import { afterAll, beforeAll, expect, test } from "bun:test";
import type { ApiKey, CreatedApiKey } from "../../src/protocol/api.ts";
import { Client } from "./client.ts";
import { addUser, startTestServer, type TestServer } from "./harness.ts";

let t: TestServer;
let admin: Client;
let vicId: string;
const vic = () => new Client(t.url);
beforeAll(async () => {
  t = await startTestServer();
  admin = new Client(t.url);
  await admin.login(t.admin.username, t.admin.password);
  vicId = await addUser(admin, "vic", "vic-password");
});
afterAll(() => t.stop());

const bearer = (secret: string) => ({ headers: { authorization: `Bearer ${secret}` }, origin: null });

test("create shows the secret once; the key works as Bearer, records its use, and revokes", async () => {
  const session = vic();
  await session.login("vic", "vic-password");
  const created = await session.post<CreatedApiKey>("/api/account/keys", { name: "backup script" });
  expect(created.status).toBe(200);
  const { key, secret } = created.body;
  expect(secret).toMatch(/^octo_[A-Za-z0-9_-]{43}$/);
  expect(key).toMatchObject({ name: "backup script", prefix: secret.slice(0, 11), last_used_at: null });
  // Listing never shows the secret again.
  const listed = await session.get<{ keys: ApiKey[] }>("/api/account/keys");
  expect(listed.body.keys).toEqual([key]);
  expect(JSON.stringify(listed.body)).not.toContain(secret);

  const script = new Client(t.url, null);
  const me = await script.get("/api/auth/me", bearer(secret));
  expect(me.status).toBe(200);
  expect(me.body).toMatchObject({ user: { username: "vic" } });
  expect(me.headers.get("set-cookie")).toBeNull();
  // A non-admin's key is no key to the admin API.
  expect((await script.get("/api/admin/users", bearer(secret))).status).toBe(403);

  const used = await session.get<{ keys: ApiKey[] }>("/api/account/keys");
  expect(used.body.keys[0]?.last_used_at).toBeGreaterThan(0);

  expect((await session.delete(`/api/account/keys/${key.id}`)).status).toBe(200);
  const after = await script.get("/api/auth/me", bearer(secret));
  expect([after.status, after.code]).toEqual([401, "token_invalid"]);
  expect((await session.get<{ keys: ApiKey[] }>("/api/account/keys")).body.keys).toEqual([]);
});

test("bad Bearer values are 401 and never fall back to the cookie; other schemes are left alone", async () => {
  const session = vic();
  await session.login("vic", "vic-password");
  for (const value of ["Bearer octo_wrong", `Bearer octo_${"A".repeat(43)}`, "Bearer", "bearer  x y"]) {
    const r = await session.get("/api/auth/me", { headers: { authorization: value } });
    expect([value, r.status, r.code]).toEqual([value, 401, "token_invalid"]);
  }
  // A reverse proxy's Basic auth passes through: the session cookie still decides.
  const proxied = await session.get("/api/auth/me", { headers: { authorization: "Basic dmljOnZpYw==" } });
  expect(proxied.status).toBe(200);
  expect(
    (await new Client(t.url).get("/api/auth/me", { headers: { authorization: "Basic eDp5" } })).code,
  ).toBe("unauthorized");
});

test("one user cannot see or revoke another user's keys", async () => {
  const adminKey = (await admin.post<CreatedApiKey>("/api/account/keys", { name: "admin key" })).body;
  const session = vic();
  await session.login("vic", "vic-password");
  const r = await session.delete(`/api/account/keys/${adminKey.key.id}`);
  expect([r.status, r.code]).toEqual([404, "not_found"]);
  expect(JSON.stringify((await session.get("/api/account/keys")).body)).not.toContain(adminKey.key.id);
  expect((await new Client(t.url, null).get("/api/admin/users", bearer(adminKey.secret))).status).toBe(200);
});

test("a disabled user's keys stop working, and work again when re-enabled", async () => {
  const session = vic();
  await session.login("vic", "vic-password");
  const { secret } = (await session.post<CreatedApiKey>("/api/account/keys", { name: "k" })).body;
  const script = new Client(t.url, null);
  expect((await script.get("/api/auth/me", bearer(secret))).status).toBe(200);
  await admin.post(`/api/admin/users/${vicId}/disable`);
  expect((await script.get("/api/auth/me", bearer(secret))).code).toBe("account_disabled");
  await admin.post(`/api/admin/users/${vicId}/enable`);
  expect((await script.get("/api/auth/me", bearer(secret))).status).toBe(200);
});

test("key names are validated", async () => {
  for (const name of ["", "x".repeat(65)]) {
    const r = await admin.post("/api/account/keys", { name });
    expect([r.status, r.code]).toEqual([422, "validation_failed"]);
  }
});

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { issueSessionToken } from "../../src/auth/session-token.ts";
import { usersRepo } from "../../src/storage/users.ts";
import { Client } from "./client.ts";
import { addUser, startTestServer, type TestServer } from "./harness.ts";

let t: TestServer;
let admin: Client;
beforeAll(async () => {
  t = await startTestServer();
  admin = new Client(t.url);
  await admin.login(t.admin.username, t.admin.password);
});
afterAll(() => t.stop());

describe("login, me, logout", () => {
  test("login sets an httpOnly SameSite=Lax session cookie and /me answers who is signed in", async () => {
    await addUser(admin, "alice", "alice-password");
    const c = new Client(t.url);
    expect((await c.get("/api/auth/me")).code).toBe("unauthorized");
    const login = await c.login("alice", "alice-password");
    const cookies = login.headers.getSetCookie();
    const cookie = cookies.find((c) => c.startsWith("octo_session=")) ?? "";
    // The device cookie only ever goes back to /api/auth, and never cross-site.
    expect(cookies.find((c) => c.startsWith("octo_device="))).toMatch(
      /^octo_device=[\w-]+\.[\w-]+\.[\w-]+; Path=\/api\/auth; HttpOnly; SameSite=Strict; Max-Age=31536000$/,
    );
    expect(cookie).toMatch(
      /^octo_session=[\w-]+\.[\w-]+\.[\w-]+; Path=\/; HttpOnly; SameSite=Lax; Max-Age=604800$/,
    );
    expect(cookie).not.toContain("Secure");
    expect(login.body).toMatchObject({
      user: { username: "alice", role: "user", disabled: false },
      mode: "single-user",
    });
    const me = await c.get("/api/auth/me");
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ user: { username: "alice" } });
    // A fresh token is not re-issued on every request.
    expect(me.headers.get("set-cookie")).toBeNull();
    const out = await c.post("/api/auth/logout");
    expect(out.status).toBe(200);
    expect(out.headers.get("set-cookie")).toContain("Max-Age=0");
    expect((await c.get("/api/auth/me")).code).toBe("unauthorized");
  });

  test("wrong password and unknown user get the same 401 answer", async () => {
    const c = new Client(t.url);
    const wrong = await c.post("/api/auth/login", {
      username: t.admin.username,
      password: "not-the-password",
    });
    const unknown = await c.post("/api/auth/login", { username: "nobody", password: "not-the-password" });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual(unknown.body);
    expect(wrong.body).toEqual({
      error: { code: "invalid_credentials", message: "wrong user name or password" },
    });
    expect(c.cookie).toBeUndefined();
  });

  test("a login body of the wrong shape is 422 naming the field", async () => {
    const c = new Client(t.url);
    const long = await c.post("/api/auth/login", { username: "a".repeat(65), password: "whatever1" });
    expect(long.status).toBe(422);
    expect(long.body.error).toMatchObject({
      code: "validation_failed",
      message: expect.stringContaining("username"),
    });
    const missing = await c.post("/api/auth/login", { username: "alice" });
    expect(missing.status).toBe(422);
    expect((missing.body.error as { message: string }).message).toContain("password");
  });
});

describe("session tokens", () => {
  const tokenFor = (username: string, ttlMs: number, issuedAt: number, secret = t.server.ctx.jwtSecret) => {
    const user = usersRepo(t.server.ctx.db).byUsername(username);
    if (!user) throw new Error(`no ${username}`);
    return issueSessionToken(secret, user, ttlMs, issuedAt);
  };

  test("a forged token (other secret, tampered payload, garbage) is 401 token_invalid", async () => {
    const c = new Client(t.url);
    const real = await tokenFor(t.admin.username, 3_600_000, Date.now());
    const [h, , s] = real.split(".");
    const adminId = usersRepo(t.server.ctx.db).byUsername(t.admin.username)?.id;
    const payload = Buffer.from(JSON.stringify({ sub: adminId, tv: 0, iat: 1, exp: 4e9 })).toString(
      "base64url",
    );
    for (const forged of [
      await tokenFor(t.admin.username, 3_600_000, Date.now(), "another-secret-another-secret-another"),
      `${h}.${payload}.${s}`,
      "not-a-jwt",
    ]) {
      c.cookie = forged;
      const r = await c.get("/api/auth/me");
      expect(r.status).toBe(401);
      expect(r.code).toBe("token_invalid");
    }
  });

  test("an expired token is 401 token_expired", async () => {
    const c = new Client(t.url);
    c.cookie = await tokenFor(t.admin.username, 60_000, Date.now() - 120_000);
    const r = await c.get("/api/auth/me");
    expect(r.status).toBe(401);
    expect(r.code).toBe("token_expired");
  });

  test("a token past half its life is replaced by a fresh one on the next request", async () => {
    const c = new Client(t.url);
    const old = await tokenFor(t.admin.username, 100_000, Date.now() - 60_000);
    c.cookie = old;
    const r = await c.get("/api/auth/me");
    expect(r.status).toBe(200);
    expect(r.headers.get("set-cookie")).toMatch(/^octo_session=/);
    expect(c.cookie).toBeDefined();
    expect(c.cookie).not.toBe(old);
    expect((await c.get("/api/auth/me")).status).toBe(200);
  });

  test("disabling a user ends their live sessions at once; enabling does not revive old tokens", async () => {
    const id = await addUser(admin, "dora", "dora-password");
    const dora = new Client(t.url);
    await dora.login("dora", "dora-password");
    const oldToken = dora.cookie;
    expect((await admin.post(`/api/admin/users/${id}/disable`)).status).toBe(200);
    const r = await dora.get("/api/auth/me");
    expect(r.status).toBe(403);
    expect(r.code).toBe("account_disabled");
    const again = await new Client(t.url).post("/api/auth/login", {
      username: "dora",
      password: "dora-password",
    });
    expect(again.code).toBe("account_disabled");
    expect((await admin.post(`/api/admin/users/${id}/enable`)).status).toBe(200);
    dora.cookie = oldToken;
    expect((await dora.get("/api/auth/me")).code).toBe("token_revoked");
    await dora.login("dora", "dora-password");
  });

  test("changing the password keeps this session, ends the others, and needs the current password", async () => {
    await addUser(admin, "erin", "erin-password");
    const laptop = new Client(t.url);
    const phone = new Client(t.url);
    await laptop.login("erin", "erin-password");
    await phone.login("erin", "erin-password");
    const wrong = await laptop.post("/api/account/password", {
      current_password: "nope-nope",
      new_password: "erin-new-password",
    });
    expect(wrong.status).toBe(403);
    expect(wrong.code).toBe("wrong_password");
    const short = await laptop.post("/api/account/password", {
      current_password: "erin-password",
      new_password: "x",
    });
    expect(short.status).toBe(422);
    expect((short.body.error as { message: string }).message).toContain("new_password");
    const ok = await laptop.post("/api/account/password", {
      current_password: "erin-password",
      new_password: "erin-new-password",
    });
    expect(ok.status).toBe(200);
    expect((await laptop.get("/api/auth/me")).status).toBe(200);
    expect((await phone.get("/api/auth/me")).code).toBe("token_revoked");
    expect(
      (await new Client(t.url).post("/api/auth/login", { username: "erin", password: "erin-password" }))
        .status,
    ).toBe(401);
    await new Client(t.url).login("erin", "erin-new-password");
  });

  test("a deleted user's token stops working", async () => {
    const id = await addUser(admin, "fred", "fred-password");
    const fred = new Client(t.url);
    await fred.login("fred", "fred-password");
    expect((await admin.delete(`/api/admin/users/${id}`)).status).toBe(200);
    const r = await fred.get("/api/auth/me");
    expect(r.status).toBe(401);
    expect(r.code).toBe("token_revoked");
  });
});

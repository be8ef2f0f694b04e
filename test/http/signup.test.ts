import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createInvite } from "../../src/auth/invites.ts";
import type { Invite } from "../../src/protocol/api.ts";
import { usersRepo } from "../../src/storage/users.ts";
import { Client } from "./client.ts";
import { startTestServer, type TestServer } from "./harness.ts";

let t: TestServer;
let admin: Client;
beforeAll(async () => {
  t = await startTestServer();
  admin = new Client(t.url);
  await admin.login(t.admin.username, t.admin.password);
});
afterAll(() => t.stop());

async function newInvite(body: Record<string, unknown> = {}): Promise<Invite> {
  const r = await admin.post<{ invite: Invite }>("/api/admin/invites", body);
  expect(r.status).toBe(200);
  return r.body.invite;
}

const signup = (invite_code: string, username: string, password = "a-good-password") =>
  new Client(t.url).post("/api/auth/signup", { invite_code, username, password });

const userCount = () => usersRepo(t.server.ctx.db).count();

describe("signup with an invite", () => {
  test("creates the account with the invite's role, signs in, and uses up the invite", async () => {
    const invite = await newInvite({ note: "for gina", role: "user", max_uses: 1, expires_in: 3600 });
    expect(invite).toMatchObject({ note: "for gina", role: "user", max_uses: 1, uses: 0, usable: true });
    expect(invite.code).toMatch(/^[a-z2-9]{5}(-[a-z2-9]{5}){3}$/);
    const c = new Client(t.url);
    const r = await c.post("/api/auth/signup", {
      invite_code: invite.code,
      username: "gina",
      password: "gina-password",
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ user: { username: "gina", role: "user" } });
    expect((await c.get("/api/auth/me")).status).toBe(200);
    const list = await admin.get<{ invites: Invite[] }>("/api/admin/invites");
    expect(list.body.invites.find((i) => i.code === invite.code)).toMatchObject({ uses: 1, usable: false });
  });

  test("an admin invite makes an admin", async () => {
    const invite = await newInvite({ role: "admin" });
    const r = await signup(invite.code, "hank");
    expect(r.body).toMatchObject({ user: { username: "hank", role: "admin" } });
  });

  test("a used-up, revoked, expired or unknown invite is 410 with a message saying which", async () => {
    const used = await newInvite({ max_uses: 1 });
    expect((await signup(used.code, "ivan")).status).toBe(200);
    const revoked = await newInvite({ max_uses: 5 });
    expect((await admin.delete(`/api/admin/invites/${revoked.code}`)).status).toBe(200);
    const expired = createInvite(
      t.server.ctx.db,
      { max_uses: 1, expires_in: 60, note: "", role: "user" },
      null,
      Date.now() - 120_000,
    );
    const before = userCount();
    const cases: [string, string][] = [
      [used.code, "already been used"],
      [revoked.code, "revoked"],
      [expired.code, "expired"],
      ["no-such-code", "does not exist"],
    ];
    for (const [code, why] of cases) {
      const r = await signup(code, "jack");
      expect(r.status).toBe(410);
      expect(r.body.error).toMatchObject({ code: "invite_invalid", message: expect.stringContaining(why) });
    }
    expect(userCount()).toBe(before);
  });

  test("a taken user name is 409 and does not use up the invite", async () => {
    const invite = await newInvite({ max_uses: 1 });
    const r = await signup(invite.code, t.admin.username);
    expect(r.status).toBe(409);
    expect(r.code).toBe("username_taken");
    expect((await signup(invite.code, "kate")).status).toBe(200);
  });

  test("user names that could not become Linux user names are refused with 422 naming the field", async () => {
    const invite = await newInvite({ max_uses: 100 });
    const before = userCount();
    for (const bad of [
      "a".repeat(32),
      "Bob",
      "1abc",
      "_abc",
      "a b",
      "ab$c",
      "ab.c",
      "élan",
      "",
      "a\u0000b",
    ]) {
      const r = await signup(invite.code, bad);
      expect(r.status).toBe(422);
      expect(r.body.error).toMatchObject({
        code: "validation_failed",
        message: expect.stringContaining("username"),
      });
    }
    expect((await signup(invite.code, "a".repeat(31))).status).toBe(200);
    const shortPassword = await signup(invite.code, "lena", "short");
    expect(shortPassword.status).toBe(422);
    expect((shortPassword.body.error as { message: string }).message).toContain("password");
    expect(userCount()).toBe(before + 1);
    const list = await admin.get<{ invites: Invite[] }>("/api/admin/invites");
    expect(list.body.invites.find((i) => i.code === invite.code)?.uses).toBe(1);
  });

  test("two concurrent signups on a one-use invite: exactly one wins", async () => {
    for (let round = 0; round < 5; round++) {
      const invite = await newInvite({ max_uses: 1 });
      const before = userCount();
      const results = await Promise.all([
        signup(invite.code, `race${round}a`),
        signup(invite.code, `race${round}b`),
      ]);
      const statuses = results.map((r) => r.status).sort();
      expect(statuses).toEqual([200, 410]);
      expect(results.find((r) => r.status === 410)?.code).toBe("invite_invalid");
      expect(userCount()).toBe(before + 1);
      const list = await admin.get<{ invites: Invite[] }>("/api/admin/invites");
      expect(list.body.invites.find((i) => i.code === invite.code)?.uses).toBe(1);
    }
  });

  test("eight concurrent signups on a three-use invite: exactly three win", async () => {
    const invite = await newInvite({ max_uses: 3 });
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => signup(invite.code, `crowd${i}`)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(3);
    expect(results.filter((r) => r.status === 410)).toHaveLength(5);
  });

  test("invite options out of range are 422", async () => {
    for (const body of [
      { max_uses: 0 },
      { max_uses: 1.5 },
      { expires_in: 10 },
      { role: "root" },
      { note: "x".repeat(201) },
    ]) {
      const r = await admin.post("/api/admin/invites", body);
      expect(r.status).toBe(422);
      expect(r.code).toBe("validation_failed");
    }
  });
});

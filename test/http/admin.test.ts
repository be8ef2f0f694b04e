import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { AdminStatus, User } from "../../src/protocol/api.ts";
import { dataPaths } from "../../src/shared/paths.ts";
import { llmUsageRepo } from "../../src/storage/llm.ts";
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

const viaSocket = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`http://localhost${path}`, {
    method,
    unix: t.adminSocket,
    body: body === undefined ? undefined : JSON.stringify(body),
    headers: body === undefined ? {} : { "content-type": "application/json" },
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

describe("roles", () => {
  test("a non-admin gets 403 on every admin route; anonymous gets 401", async () => {
    const id = await addUser(admin, "quinn", "quinn-password");
    const quinn = new Client(t.url);
    await quinn.login("quinn", "quinn-password");
    const anonymous = new Client(t.url);
    const routes: [string, string][] = [
      ["GET", "/api/admin/status"],
      ["GET", "/api/admin/users"],
      ["POST", "/api/admin/users"],
      ["POST", `/api/admin/users/${id}/disable`],
      ["POST", `/api/admin/users/${id}/enable`],
      ["POST", `/api/admin/users/${id}/password`],
      ["DELETE", `/api/admin/users/${id}`],
      ["GET", "/api/admin/invites"],
      ["POST", "/api/admin/invites"],
      ["DELETE", "/api/admin/invites/abc"],
      ["GET", "/api/admin/sessions"],
    ];
    for (const [method, path] of routes) {
      const r = await quinn.request(method, path, { body: method === "POST" ? {} : undefined });
      expect([path, r.status, r.code]).toEqual([path, 403, "forbidden"]);
      expect((await anonymous.request(method, path)).status).toBe(401);
    }
  });
});

describe("users", () => {
  test("create, list, reset password, disable, enable, delete", async () => {
    const created = await admin.post<{ user: User }>("/api/admin/users", {
      username: "rita",
      password: "rita-password",
      role: "admin",
    });
    expect(created.body.user).toMatchObject({ username: "rita", role: "admin", disabled: false });
    const id = created.body.user.id;
    expect(id).toMatch(/^usr_[0-9a-f]{28}$/);
    const dup = await admin.post("/api/admin/users", { username: "rita", password: "rita-password" });
    expect([dup.status, dup.code]).toEqual([409, "username_taken"]);

    const list = await admin.get<{ users: User[] }>("/api/admin/users");
    expect(list.body.users.map((u) => u.username)).toContain("rita");
    expect(JSON.stringify(list.body)).not.toContain("password_hash");

    expect(
      (await admin.post(`/api/admin/users/${id}/password`, { password: "rita-new-password" })).status,
    ).toBe(200);
    await new Client(t.url).login("rita", "rita-new-password");
    const short = await admin.post(`/api/admin/users/${id}/password`, { password: "short" });
    expect([short.status, short.code]).toEqual([422, "validation_failed"]);

    const disabled = await admin.post<{ user: User }>(`/api/admin/users/${id}/disable`);
    expect(disabled.body.user.disabled).toBe(true);
    const enabled = await admin.post<{ user: User }>(`/api/admin/users/${id}/enable`);
    expect(enabled.body.user.disabled).toBe(false);

    // Deleting a user deletes their data directory too.
    const userDir = dataPaths(t.server.ctx.config.paths.dataDir).userDir(id);
    mkdirSync(userDir, { recursive: true });
    writeFileSync(join(userDir, "history.db"), "");
    expect((await admin.delete(`/api/admin/users/${id}`)).status).toBe(200);
    expect(existsSync(userDir)).toBe(false);
    const gone = await admin.delete(`/api/admin/users/${id}`);
    expect([gone.status, gone.code]).toEqual([404, "not_found"]);
    expect((await admin.post("/api/admin/users/usr_nope/disable")).status).toBe(404);
  });

  test("the last enabled admin cannot be disabled or deleted, not even by themselves", async () => {
    const me = (await admin.get<{ user: User }>("/api/auth/me")).body.user;
    const users = (await admin.get<{ users: User[] }>("/api/admin/users")).body.users;
    expect(users.filter((u) => u.role === "admin" && !u.disabled).map((u) => u.id)).toEqual([me.id]);
    for (const [method, path] of [
      ["POST", `/api/admin/users/${me.id}/disable`],
      ["DELETE", `/api/admin/users/${me.id}`],
    ] as const) {
      const r = await admin.request(method, path);
      expect(r.status).toBe(409);
      expect(r.body.error).toMatchObject({
        code: "conflict",
        message: expect.stringContaining("last enabled admin"),
      });
    }
    // With a second admin, one may step down.
    const second = await addUser(admin, "sam", "sam-password", "admin");
    const sam = new Client(t.url);
    await sam.login("sam", "sam-password");
    expect((await sam.post(`/api/admin/users/${second}/disable`)).status).toBe(200);
    expect((await admin.post(`/api/admin/users/${me.id}/disable`)).status).toBe(409);
  });

  test("enabling an enabled user is a no-op that keeps their sessions", async () => {
    const id = await addUser(admin, "vera", "vera-password");
    const vera = new Client(t.url);
    await vera.login("vera", "vera-password");
    expect((await admin.post(`/api/admin/users/${id}/enable`)).status).toBe(200);
    expect((await vera.get("/api/auth/me")).status).toBe(200);
  });

  test("too-long and non-Linux user names are refused by the admin API as well", async () => {
    for (const bad of ["a".repeat(32), "Root", "9lives", "tom cat", "o'brien", "x/y"]) {
      const r = await admin.post("/api/admin/users", { username: bad, password: "long-enough" });
      expect(r.status).toBe(422);
      expect((r.body.error as { message: string }).message).toMatch(/^username: /);
    }
  });
});

describe("status, invites, sessions", () => {
  test("status reports version, mode, uptime and user count", async () => {
    const r = await admin.get<AdminStatus>("/api/admin/status");
    expect(r.body).toMatchObject({ version: t.server.ctx.version, mode: "single-user", runners: [] });
    expect(r.body.users).toBeGreaterThanOrEqual(1);
    expect(r.body.uptime_ms).toBeGreaterThanOrEqual(0);
    // What keeps users apart, in words an admin can act on.
    expect(r.body.isolation).toContain("one Linux account runs every user's agents");
    expect(r.body.isolation).toContain("multi-user mode (octo install)");
  });

  test("status is an operator's dashboard: runtime, free disk, recent LLM errors by status", async () => {
    const me = await admin.get<{ user: { id: string } }>("/api/auth/me");
    const usage = llmUsageRepo(t.server.ctx.db);
    const row = {
      ts: Date.now(),
      user_id: me.body.user.id,
      project_id: "prj_x",
      session_id: "ses_x",
      provider: "fx",
      model: "m",
      input_tokens: 0,
      output_tokens: 0,
      cache_read_tokens: 0,
      cache_write_tokens: 0,
      cost: 0,
      duration_ms: 1,
    };
    for (const status of [429, 429, 500, 200]) usage.insert({ ...row, status });
    usage.insert({ ...row, status: 401, ts: Date.now() - 2 * 24 * 60 * 60 * 1000 }); // too old
    const r = await admin.get<AdminStatus>("/api/admin/status");
    expect(r.body.runtime).toStartWith("Bun ");
    expect(r.body.llm_errors).toEqual([
      { status: 429, count: 2 },
      { status: 500, count: 1 },
    ]);
    const data = r.body.disks.find((d) => d.label === "data");
    expect(data?.path).toBe(t.server.ctx.config.paths.dataDir);
    expect(data?.free_bytes).toBeGreaterThan(0);
    expect(data?.total_bytes).toBeGreaterThanOrEqual(data?.free_bytes ?? 0);
    expect(r.body.disks.map((d) => d.label)).toEqual(["data", "workspaces"]);
  });

  test("invites: revoking an unknown code is 404; revoking twice is fine", async () => {
    const code = (await admin.post<{ invite: { code: string } }>("/api/admin/invites", {})).body.invite.code;
    expect((await admin.delete(`/api/admin/invites/${code}`)).status).toBe(200);
    expect((await admin.delete(`/api/admin/invites/${code}`)).status).toBe(200);
    expect((await admin.delete("/api/admin/invites/nope")).status).toBe(404);
  });

  test("sessions list is empty until sessions exist", async () => {
    expect((await admin.get("/api/admin/sessions")).body).toEqual({ sessions: [] });
  });
});

describe("admin socket", () => {
  test("is owner-only: socket 0600 in a 0700 directory", () => {
    expect(statSync(t.adminSocket).mode & 0o777).toBe(0o600);
    expect(statSync(join(t.adminSocket, "..")).mode & 0o777).toBe(0o700);
  });

  test("serves the admin API without a login", async () => {
    const status = await viaSocket("GET", "/api/admin/status");
    expect(status.status).toBe(200);
    const created = await viaSocket("POST", "/api/admin/users", {
      username: "uma",
      password: "uma-password",
    });
    expect(created.status).toBe(200);
    const invite = await viaSocket("POST", "/api/admin/invites", { note: "from the socket" });
    expect(invite.body).toMatchObject({ invite: { note: "from the socket" } });
  });

  test("serves nothing but the admin API", async () => {
    for (const path of ["/api/auth/me", "/api/account/keys", "/"]) {
      expect((await viaSocket("GET", path)).status).toBe(404);
    }
  });

  test("bad input over the socket gets the same clear errors", async () => {
    const res = await fetch("http://localhost/api/admin/users", {
      method: "POST",
      unix: t.adminSocket,
      body: "{oops",
      headers: { "content-type": "application/json" },
    });
    expect(res.status).toBe(400);
    const bad = await viaSocket("POST", "/api/admin/users", { username: "UPPER", password: "long-enough" });
    expect(bad.status).toBe(422);
  });
});

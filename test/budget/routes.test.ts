// The budget and usage API: admins set limits per user and read reports and the CSV export; a user
// sees only their own month; unknown prices stay unknown; bad input gets clear errors.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  type MyUsage,
  USAGE_CSV_HEADER,
  type UsageReport,
  type UserLimits,
} from "../../src/protocol/budgets.ts";
import { newId } from "../../src/protocol/ids.ts";
import { llmUsageRepo } from "../../src/storage/llm.ts";
import { projectsRepo } from "../../src/storage/projects.ts";
import { Client } from "../http/client.ts";
import { addUser, startTestServer, type TestServer } from "../http/harness.ts";

let srv: TestServer;
let admin: Client;
let carol: Client;
let carolId: string;
let daveId: string;
let projectId: string;
const S = { c1: newId("ses"), c2: newId("ses"), d1: newId("ses") };

beforeAll(async () => {
  srv = await startTestServer(`
[llm.limits]
user_monthly_usd = 20
session_usd = 0
user_rpm = 30
`);
  admin = new Client(srv.url);
  await admin.login(srv.admin.username, srv.admin.password);
  carolId = await addUser(admin, "carol", "password-123");
  daveId = await addUser(admin, "dave", "password-123");
  carol = new Client(srv.url);
  await carol.login("carol", "password-123");
  const made = await carol.post<{ project: { id: string } }>("/api/projects", { name: 'Reports, "Q4"' });
  projectId = made.body.project.id;
  const db = srv.server.ctx.db;
  expect(projectsRepo(db)).toBeDefined();
  const now = Date.now();
  const row = (user: string, model: string, cost: number | null, session: string, project = projectId) => ({
    ts: now,
    user_id: user,
    project_id: project,
    session_id: session,
    provider: "fx",
    model,
    status: 200,
    input_tokens: 1000,
    output_tokens: 100,
    cache_read_tokens: 0,
    cache_write_tokens: 0,
    cost,
    duration_ms: 5,
  });
  const usage = llmUsageRepo(db);
  usage.insert(row(carolId, "priced", 1.5, S.c1));
  usage.insert(row(carolId, "priced", 0.5, S.c2));
  usage.insert(row(carolId, "unpriced", null, S.c2));
  usage.insert(row(daveId, "unpriced", null, S.d1, newId("prj")));
});

afterAll(async () => {
  await srv?.stop();
});

const put = (c: Client, path: string, body: unknown) => c.request<UserLimits>("PUT", path, { body });

describe("limits", () => {
  test("defaults come from [llm.limits]; an override changes only its field; null goes back to the default", async () => {
    const start = await admin.get<UserLimits>(`/api/admin/users/${carolId}/limits`);
    expect(start.status).toBe(200);
    expect(start.body.effective).toEqual({ user_monthly_usd: 20, session_usd: 0, user_rpm: 30 });
    expect(start.body.override).toEqual({ user_monthly_usd: null, session_usd: null, user_rpm: null });

    const set = await put(admin, `/api/admin/users/${carolId}/limits`, {
      user_monthly_usd: 5,
      session_usd: 1,
    });
    expect(set.status).toBe(200);
    expect(set.body.effective).toEqual({ user_monthly_usd: 5, session_usd: 1, user_rpm: 30 });
    const lifted = await put(admin, `/api/admin/users/${carolId}/limits`, { user_rpm: 0, session_usd: null });
    expect(lifted.body.effective).toEqual({ user_monthly_usd: 5, session_usd: 0, user_rpm: 0 });
    expect(lifted.body.override).toEqual({ user_monthly_usd: 5, session_usd: null, user_rpm: 0 });
  });

  test("bad values and unknown users get clear errors", async () => {
    for (const body of [
      { user_monthly_usd: -1 },
      { user_rpm: 1.5 },
      { user_monthly_usd: "5" },
      { extra: 1 },
    ]) {
      const r = await put(admin, `/api/admin/users/${carolId}/limits`, body);
      expect(r.status).toBe(422);
      expect(r.code).toBe("validation_failed");
    }
    const missing = await put(admin, `/api/admin/users/${newId("usr")}/limits`, { user_rpm: 1 });
    expect(missing.status).toBe(404);
  });

  test("a user can neither read nor set limits, nor read the admin report or CSV", async () => {
    expect((await carol.get(`/api/admin/users/${carolId}/limits`)).status).toBe(403);
    expect((await put(carol, `/api/admin/users/${carolId}/limits`, { user_monthly_usd: 1000 })).status).toBe(
      403,
    );
    expect((await carol.get("/api/admin/usage")).status).toBe(403);
    const csv = await fetch(`${srv.url}/api/admin/usage.csv`, {
      headers: { cookie: `octo_session=${carol.cookie}` },
    });
    expect(csv.status).toBe(403);
    expect((await new Client(srv.url).get("/api/usage/me")).status).toBe(401);
  });
});

describe("reports", () => {
  test("the admin report groups by user, model, project and day; unknown prices are counted apart", async () => {
    const r = await admin.get<UsageReport>("/api/admin/usage");
    expect(r.status).toBe(200);
    expect(r.body.totals).toMatchObject({ requests: 4, cost: 2, unknown_requests: 2 });
    const carolRow = r.body.by_user.find((u) => u.user_id === carolId);
    expect(carolRow).toMatchObject({
      username: "carol",
      requests: 3,
      cost: 2,
      unknown_requests: 1,
      monthly_limit_usd: 5,
    });
    expect(r.body.by_user.find((u) => u.user_id === daveId)).toMatchObject({ cost: 0, unknown_requests: 1 });
    expect(r.body.by_model.map((m) => m.model).sort()).toEqual(["fx/priced", "fx/unpriced"]);
    expect(r.body.by_project.find((p) => p.project_id === projectId)?.project).toBe('Reports, "Q4"');
    expect(r.body.by_day).toHaveLength(1);
    expect(r.body.top_sessions[0]).toMatchObject({ session_id: S.c1, cost: 1.5 });
    const bad = await admin.get("/api/admin/usage?from=2026-13-45");
    expect(bad.status).toBe(400);
    const backwards = await admin.get("/api/admin/usage?from=2026-12-10&to=2026-12-01");
    expect(backwards.status).toBe(400);
    const empty = await admin.get<UsageReport>("/api/admin/usage?from=2020-01-01&to=2020-01-31");
    expect(empty.body.totals.requests).toBe(0);
    // Every user is listed, so an admin can set limits before anyone has spent anything.
    expect(empty.body.by_user.map((u) => u.username).sort()).toEqual(["admin", "carol", "dave"]);
    expect(empty.body.by_model).toEqual([]);
  });

  test("CSV export: stable header, quoted fields, unknown cost as an empty cell", async () => {
    const res = await fetch(`${srv.url}/api/admin/usage.csv`, {
      headers: { cookie: `octo_session=${admin.cookie}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/csv");
    expect(res.headers.get("content-disposition")).toContain("attachment");
    const lines = (await res.text()).trimEnd().split("\r\n");
    expect(lines[0]).toBe(USAGE_CSV_HEADER);
    expect(lines).toHaveLength(4);
    const unpricedDave = lines.find((l) => l.includes(daveId) && l.includes("unpriced"));
    expect(unpricedDave?.endsWith(",,1")).toBe(true);
    expect(
      lines.some((l) => l.includes('"Reports, ""Q4"""') && l.includes(",priced,2,2000,200,0,0,2.000000,0")),
    ).toBe(true);
  });

  test("a user's month: their own totals against their limits, nobody else's", async () => {
    const r = await carol.get<MyUsage>("/api/usage/me");
    expect(r.status).toBe(200);
    expect(r.body.month).toBe(new Date().toISOString().slice(0, 7));
    expect(r.body.totals).toMatchObject({ requests: 3, cost: 2, unknown_requests: 1 });
    expect(r.body.limits.user_monthly_usd).toBe(5);
    expect(r.body.by_model.map((m) => m.model).sort()).toEqual(["fx/priced", "fx/unpriced"]);
    // The chat's per-conversation meter reads /api/usage: an unknown price is counted apart there too.
    const session = await carol.get<{ totals: { cost: number; requests: number; unknown_requests: number } }>(
      `/api/usage?session_id=${S.c2}`,
    );
    expect(session.body.totals).toMatchObject({ requests: 2, cost: 0.5, unknown_requests: 1 });
  });
});

import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import type { Hook, Schedule, ScheduleRun } from "../../src/protocol/schedules.ts";
import { signBody } from "../../src/schedules/hooks.ts";
import { Client } from "../http/client.ts";
import { addUser } from "../http/harness.ts";
import { AgentTab, createProject, type SessionWorld, startWorld } from "../sessions/harness.ts";
import { deliver, runEnded } from "./harness.ts";

interface Notice {
  kind: string;
  title: string;
  body: string | null;
  session_id: string | null;
  url: string;
}

/**
 * Schedules and webhooks over HTTP against the real server: runs are real conversations (real
 * runner, sandbox and pi) answered by the scripted model.
 */
setDefaultTimeout(200_000);

let w: SessionWorld;
let project: string;
let bob: Client;
let bobProject: string;

beforeAll(async () => {
  w = await startWorld({
    // $100 per million input tokens: pi's first request alone passes a one-cent cap.
    extraModels: `, { id = "fake-pricey", input_price = 100 }`,
    extraToml: `
[schedules]
hook_rate_per_minute = 3
hook_max_body_bytes = 2048`,
  });
  project = await createProject(w.admin, "Nightly");
  await addUser(w.admin, "bob", "bob-password-1");
  bob = new Client(w.t.url);
  await bob.login("bob", "bob-password-1");
  bobProject = await createProject(bob, "Bobs");
});
afterAll(async () => {
  await w?.stop();
});

const base = () => `/api/projects/${project}`;

async function newSchedule(body: Record<string, unknown>): Promise<Schedule> {
  const r = await w.admin.post<{ schedule: Schedule }>(`${base()}/schedules`, body);
  if (r.status !== 200) throw new Error(`${r.status} ${JSON.stringify(r.body)}`);
  return r.body.schedule;
}

describe("schedules", () => {
  test("create, preview, edit, pause, resume, delete; bad input is a clear 422", async () => {
    const preview = await w.admin.post<{ next: number[] }>("/api/schedules/preview", {
      cron: "0 9 * * 1-5",
      timezone: "Europe/Berlin",
    });
    expect(preview.status).toBe(200);
    expect(preview.body.next).toHaveLength(3);
    for (const t of preview.body.next) {
      const local = new Intl.DateTimeFormat("en-GB", {
        timeZone: "Europe/Berlin",
        hour: "2-digit",
        minute: "2-digit",
        weekday: "short",
      }).format(t);
      expect(local).toMatch(/^(Mon|Tue|Wed|Thu|Fri) 09:00$/);
    }
    const s = await newSchedule({
      name: "Commit digest",
      cron: "0 9 * * 1-5",
      timezone: "Europe/Berlin",
      prompt: "summarise yesterday's commits",
      thinking: "low",
      spend_cap: 0.5,
    });
    expect(s).toMatchObject({ state: "active", next_run_at: preview.body.next[0], spend_cap: 0.5 });
    const edited = await w.admin.request<{ schedule: Schedule }>("PATCH", `${base()}/schedules/${s.id}`, {
      body: { cron: "30 7 * * *", timezone: "UTC" },
    });
    expect(edited.body.schedule).toMatchObject({
      cron: "30 7 * * *",
      timezone: "UTC",
      name: "Commit digest",
    });
    expect(new Date(edited.body.schedule.next_run_at as number).toISOString()).toMatch(/T07:30:00.000Z$/);
    const paused = await w.admin.post<{ schedule: Schedule }>(`${base()}/schedules/${s.id}/pause`);
    expect(paused.body.schedule).toMatchObject({ state: "paused", next_run_at: null });
    const resumed = await w.admin.post<{ schedule: Schedule }>(`${base()}/schedules/${s.id}/resume`);
    expect(resumed.body.schedule.state).toBe("active");

    for (const [body, field] of [
      [{ name: "x", prompt: "p", cron: "0 25 * * *", timezone: "UTC" }, "cron"],
      [{ name: "x", prompt: "p", cron: "0 9 * * *", timezone: "Europe/Nowhere" }, "timezone"],
      [{ name: "", prompt: "p", cron: "0 9 * * *" }, "name"],
      [{ name: "x", prompt: "p" }, "cron"],
      [{ name: "x", prompt: "p", cron: "@daily", model: "fx/not-a-model" }, "model"],
      [{ name: "x", prompt: "p", cron: "@daily", spend_cap: -1 }, "spend_cap"],
      [{ name: "x", prompt: "p", cron: "@daily", surprise: 1 }, "surprise"],
      [{ name: "x", prompt: "p", cron: "*/20 * * * * *", timezone: "UTC" }, "min_interval"],
    ] as const) {
      const r = await w.admin.post(`${base()}/schedules`, body);
      expect([r.status, r.code]).toEqual([422, "validation_failed"]);
      expect(JSON.stringify(r.body)).toContain(field);
    }
    const bad = await w.admin.post("/api/schedules/preview", { cron: "nope", timezone: "UTC" });
    expect([bad.status, bad.code]).toEqual([422, "validation_failed"]);

    expect((await w.admin.delete(`${base()}/schedules/${s.id}`)).status).toBe(200);
    expect((await w.admin.get(`${base()}/schedules/${s.id}`)).status).toBe(404);
  });

  test("run now starts a new conversation titled with the schedule's name, prompted with its prompt; history links it", async () => {
    const s = await newSchedule({
      name: "Standup notes",
      cron: "0 0 1 1 *",
      timezone: "UTC",
      prompt: "write the standup notes",
    });
    w.fx.enqueue([{ text: "Notes written." }]);
    const started = await w.admin.post<{ run: ScheduleRun }>(`${base()}/schedules/${s.id}/run`);
    expect(started.status).toBe(200);
    expect(started.body.run).toMatchObject({ outcome: "running", trigger: "manual", schedule_id: s.id });
    const run = await runEnded(w, w.admin, project, started.body.run.id);
    expect(run.outcome).toBe("ok");
    expect(run.finished_at).toBeGreaterThanOrEqual(run.started_at as number);
    const session = await w.admin.get<{ session: { title: string; project_id: string } }>(
      `/api/sessions/${run.session_id}`,
    );
    expect(session.body.session).toMatchObject({ title: "Standup notes", project_id: project });
    const req = await w.fx.waitForRequest((r) => r.lastUserText === "write the standup notes");
    expect(req.lastUserText).toBe("write the standup notes");
    const tab = await AgentTab.open(w.t.url, w.admin.cookie);
    await tab.ok("session.subscribe", { session_id: run.session_id });
    await tab.waitIdle(run.session_id as string);
    expect(tab.text(run.session_id as string)).toBe("Notes written.");
    await tab.close();
    const history = await w.admin.get<{ runs: ScheduleRun[] }>(`${base()}/runs?schedule_id=${s.id}`);
    expect(history.body.runs.map((r) => [r.id, r.outcome, r.session_id])).toEqual([
      [run.id, "ok", run.session_id],
    ]);
    // Its owner is told (the bell; their devices too when they asked), and a click opens the run.
    const bell = await w.admin.get<{ notifications: Notice[] }>("/api/notifications");
    const told = bell.body.notifications.filter((n) => n.kind === "schedule.finished");
    expect(told.map((n) => [n.title, n.session_id])).toEqual([
      ["Scheduled run finished: Standup notes", run.session_id],
    ]);
    expect(told[0]?.url).toContain(`session=${run.session_id}`);
  });

  test("a run over its spend cap is stopped and recorded as failed with the metered cost", async () => {
    const s = await newSchedule({
      name: "Pricey",
      cron: "0 0 1 1 *",
      timezone: "UTC",
      prompt: "do something costly",
      model: "fx/fake-pricey",
      spend_cap: 0.01,
    });
    // The first answer calls a tool, so the turn would go on; the cap ends it after that first call.
    w.fx.enqueue(
      [{ toolCall: { name: "bash", args: { command: "sleep 30" } } }],
      [{ text: "never reached" }],
    );
    const started = await w.admin.post<{ run: ScheduleRun }>(`${base()}/schedules/${s.id}/run`);
    const run = await runEnded(w, w.admin, project, started.body.run.id);
    expect(run.outcome).toBe("failed");
    expect(run.reason).toMatch(/^spend cap reached: \$\d+\.\d{4} of \$0\.0100$/);
    expect(run.cost).toBeGreaterThan(0.01);
    const bell = await w.admin.get<{ notifications: Notice[] }>("/api/notifications");
    const failed = bell.body.notifications.filter((n) => n.kind === "schedule.failed");
    expect(failed.map((n) => [n.title, n.session_id])).toEqual([
      ["Scheduled run failed: Pricey", run.session_id],
    ]);
    expect(failed[0]?.body).toMatch(/^spend cap reached/);
  });
});

describe("odd input", () => {
  test("odd cron strings, zones and field types are answered 200 or a clear 4xx, never a 500", async () => {
    const crons = [
      "@reboot",
      "0 0 31 2 *",
      "* * * * * * *",
      "L * * * *",
      "0 0 L * *",
      "0 0 * * 5#2",
      "0 0 ? * *",
      "*/0 * * * *",
      "99999999999 * * * *",
      "\u0000",
      " ",
      "@yearly",
      "0 9 * * MON-FRI",
      "x".repeat(300),
    ];
    const zones = ["UTC", "Etc/GMT+14", "America/Argentina/ComodRivadavia", "../../etc/passwd", "", "+01:00"];
    const weird = [null, 1, true, [], {}, "x".repeat(200_000), -1, 1e308];
    const statuses = new Set<number>();
    for (const cron of crons)
      for (const timezone of zones) {
        const r = await w.admin.post("/api/schedules/preview", { cron, timezone });
        statuses.add(r.status);
        const c = await w.admin.post(`${base()}/schedules`, {
          name: "odd",
          prompt: "p",
          cron,
          timezone,
          paused: true,
        });
        statuses.add(c.status);
      }
    for (const value of weird)
      for (const field of [
        "name",
        "prompt",
        "cron",
        "timezone",
        "at",
        "model",
        "thinking",
        "spend_cap",
        "paused",
      ]) {
        const r = await w.admin.post(`${base()}/schedules`, {
          name: "odd",
          prompt: "p",
          cron: "@daily",
          [field]: value,
        });
        statuses.add(r.status);
        const h = await w.admin.post(`${base()}/hooks`, { name: "odd", template: "t", [field]: value });
        statuses.add(h.status);
      }
    expect([...statuses].filter((s) => s >= 500)).toEqual([]);
    // Whatever was accepted is a well-formed schedule with a cron that croner can plan.
    const listed = await w.admin.get<{ schedules: Schedule[] }>(`${base()}/schedules`);
    for (const s of listed.body.schedules.filter((x) => x.name === "odd"))
      expect((await w.admin.delete(`${base()}/schedules/${s.id}`)).status).toBe(200);
    for (const h of (await w.admin.get<{ hooks: Hook[] }>(`${base()}/hooks`)).body.hooks.filter(
      (x) => x.name === "odd",
    ))
      expect((await w.admin.delete(`${base()}/hooks/${h.id}`)).status).toBe(200);
  });
});

describe("webhooks", () => {
  let hook: Hook;
  let secret: string;

  test("create shows the secret once; a signed delivery starts a run with the rendered prompt (202)", async () => {
    const created = await w.admin.post<{ hook: Hook; secret: string }>(`${base()}/hooks`, {
      name: "CI failure",
      template: "Build {{body.build.id}} failed ({{event}}):\n{{body.build.log}}",
    });
    expect(created.status).toBe(200);
    hook = created.body.hook;
    secret = created.body.secret;
    expect(secret).toMatch(/^whsec_/);
    const listed = await w.admin.get<{ hooks: Hook[] }>(`${base()}/hooks`);
    expect(JSON.stringify(listed.body)).not.toContain(secret);

    w.fx.enqueue([{ text: "Looking at the build." }]);
    const body = JSON.stringify({ build: { id: 417, log: "npm ERR! test failed" } });
    const r = await deliver(w.t.url, hook.id, body, { secret, delivery: "d-1", event: "workflow_run" });
    expect(r.status).toBe(202);
    expect(r.body.run_id).toMatch(/^run_/);
    const run = await runEnded(w, w.admin, project, r.body.run_id as string);
    expect(run).toMatchObject({ outcome: "ok", trigger: "webhook", hook_id: hook.id, title: "CI failure" });
    await w.fx.waitForRequest(
      (q) => q.lastUserText === "Build 417 failed (workflow_run):\nnpm ERR! test failed",
    );
  });

  test("bad or missing signature 401, replayed delivery 409: neither starts a run", async () => {
    const before = (await w.admin.get<{ runs: ScheduleRun[] }>(`${base()}/runs?hook_id=${hook.id}`)).body.runs
      .length;
    const body = JSON.stringify({ build: { id: 1 } });
    const forged = await deliver(w.t.url, hook.id, body, { secret: "whsec_wrong", delivery: "d-2" });
    expect([forged.status, forged.body.error?.code]).toEqual([401, "unauthorized"]);
    const unsigned = await deliver(w.t.url, hook.id, body, { delivery: "d-3" });
    expect(unsigned.status).toBe(401);
    const malformed = await deliver(w.t.url, hook.id, body, { signature: "sha256=zz", delivery: "d-4" });
    expect(malformed.status).toBe(401);
    // The signature covers the exact bytes: the same JSON re-spaced is not the same delivery.
    const respaced = await deliver(w.t.url, hook.id, JSON.stringify({ build: { id: 1 } }, null, 1), {
      signature: signBody(secret, body),
      delivery: "d-5",
    });
    expect(respaced.status).toBe(401);
    const replay = await deliver(w.t.url, hook.id, JSON.stringify({ build: { id: 417 } }), {
      secret,
      delivery: "d-1",
    });
    expect([replay.status, replay.body.error?.code]).toEqual([409, "conflict"]);
    const after = (await w.admin.get<{ runs: ScheduleRun[] }>(`${base()}/runs?hook_id=${hook.id}`)).body.runs
      .length;
    expect(after).toBe(before);
  });

  test("no delivery id 400, not JSON 400, too large 413, over the rate 429, disabled 404, rotated secret", async () => {
    const ok = JSON.stringify({ n: 1 });
    expect((await deliver(w.t.url, hook.id, ok, { secret })).status).toBe(400);
    const notJson = await deliver(w.t.url, hook.id, "{nope", { secret, delivery: "j-1" });
    expect([notJson.status, notJson.body.error?.code]).toEqual([400, "invalid_json"]);
    const big = JSON.stringify({ pad: "x".repeat(4096) });
    const tooBig = await deliver(w.t.url, hook.id, big, { secret, delivery: "b-1" });
    expect([tooBig.status, tooBig.body.error?.code]).toEqual([413, "payload_too_large"]);

    // 3 a minute: one accepted already (d-1); two more, then 429.
    w.fx.enqueue([{ text: "a" }], [{ text: "b" }]);
    const runs: string[] = [];
    for (const id of ["r-1", "r-2"]) {
      const r = await deliver(w.t.url, hook.id, ok, { secret, delivery: id });
      expect(r.status).toBe(202);
      runs.push(r.body.run_id as string);
    }
    const limited = await deliver(w.t.url, hook.id, ok, { secret, delivery: "r-3" });
    expect([limited.status, limited.body.error?.code, limited.headers.get("retry-after")]).toEqual([
      429,
      "rate_limited",
      "60",
    ]);
    for (const id of runs) await runEnded(w, w.admin, project, id);

    const disabled = await w.admin.request<{ hook: Hook }>("PATCH", `${base()}/hooks/${hook.id}`, {
      body: { enabled: false },
    });
    expect(disabled.body.hook.enabled).toBe(false);
    const off = await deliver(w.t.url, hook.id, ok, { secret, delivery: "x-1" });
    expect([off.status, off.body.error?.code]).toEqual([404, "not_found"]);
    expect(
      (await deliver(w.t.url, "hook_00000000000000000000000000000", ok, { secret, delivery: "x-2" })).status,
    ).toBe(404);

    await w.admin.request("PATCH", `${base()}/hooks/${hook.id}`, {
      body: { enabled: true, rate_per_minute: 100 },
    });
    const rotated = await w.admin.post<{ secret: string }>(`${base()}/hooks/${hook.id}/rotate`);
    expect(rotated.body.secret).not.toBe(secret);
    const old = await deliver(w.t.url, hook.id, ok, { secret, delivery: "o-1" });
    expect(old.status).toBe(401);
    w.fx.enqueue([{ text: "c" }], [{ text: "d" }]);
    const fresh = await deliver(w.t.url, hook.id, ok, { secret: rotated.body.secret, delivery: "o-2" });
    expect(fresh.status).toBe(202);
    // A GitHub webhook as GitHub sends it: X-Hub-Signature-256 and X-GitHub-Delivery.
    const gh = await fetch(`${w.t.url}/api/hooks/${hook.id}`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-hub-signature-256": signBody(rotated.body.secret, ok),
        "x-github-delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958",
        "x-github-event": "check_run",
      },
      body: ok,
    });
    expect(gh.status).toBe(202);
    const ghRun = ((await gh.json()) as { run_id: string }).run_id;
    await runEnded(w, w.admin, project, fresh.body.run_id as string);
    await runEnded(w, w.admin, project, ghRun);
  });
});

describe("ownership", () => {
  test("another user gets 404 for every id of this project: schedules, hooks, runs; and cannot use them in theirs", async () => {
    const s = await newSchedule({ name: "Mine", cron: "@daily", timezone: "UTC", prompt: "p" });
    const h = (await w.admin.post<{ hook: Hook }>(`${base()}/hooks`, { name: "H", template: "{{body}}" }))
      .body.hook;
    const ours = `/api/projects/${project}`;
    const theirs = `/api/projects/${bobProject}`;
    const attempts: [string, string, unknown?][] = [
      ["GET", `${ours}/schedules`],
      ["POST", `${ours}/schedules`, { name: "x", prompt: "p", cron: "@daily" }],
      ["GET", `${ours}/schedules/${s.id}`],
      ["PATCH", `${ours}/schedules/${s.id}`, { name: "stolen" }],
      ["POST", `${ours}/schedules/${s.id}/run`],
      ["POST", `${ours}/schedules/${s.id}/pause`],
      ["POST", `${ours}/schedules/${s.id}/confirm`],
      ["DELETE", `${ours}/schedules/${s.id}`],
      ["GET", `${ours}/runs`],
      ["GET", `${ours}/hooks`],
      ["PATCH", `${ours}/hooks/${h.id}`, { enabled: false }],
      ["POST", `${ours}/hooks/${h.id}/rotate`],
      ["DELETE", `${ours}/hooks/${h.id}`],
      // Bob's own project, someone else's schedule or hook id:
      ["GET", `${theirs}/schedules/${s.id}`],
      ["POST", `${theirs}/schedules/${s.id}/run`],
      ["PATCH", `${theirs}/schedules/${s.id}`, { name: "stolen" }],
      ["DELETE", `${theirs}/schedules/${s.id}`],
      ["POST", `${theirs}/hooks/${h.id}/rotate`],
      ["PATCH", `${theirs}/hooks/${h.id}`, { enabled: false }],
      ["DELETE", `${theirs}/hooks/${h.id}`],
    ];
    for (const [method, path, body] of attempts) {
      const r = await bob.request(method, path, body === undefined ? {} : { body });
      expect([method, path, r.status, r.code]).toEqual([method, path, 404, "not_found"]);
    }
    expect((await bob.get<{ runs: ScheduleRun[] }>(`${theirs}/runs?schedule_id=${s.id}`)).body.runs).toEqual(
      [],
    );
    const still = await w.admin.get<{ schedule: Schedule }>(`${ours}/schedules/${s.id}`);
    expect(still.body.schedule).toMatchObject({ name: "Mine", state: "active" });
    const anon = new Client(w.t.url);
    expect((await anon.get(`${ours}/schedules`)).status).toBe(401);
    expect((await anon.post("/api/schedules/preview", { cron: "@daily", timezone: "UTC" })).status).toBe(401);
    // Plain users cannot reach the admin view.
    expect((await bob.get("/api/admin/schedules")).status).toBe(403);
  });
});

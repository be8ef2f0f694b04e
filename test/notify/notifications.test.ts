import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { statSync } from "node:fs";
import { dataPaths } from "../../src/shared/paths.ts";
import { budgetEventsRepo } from "../../src/storage/budgets.ts";
import { Client } from "../http/client.ts";
import { addUser } from "../http/harness.ts";
import { AgentTab, createProject, type SessionWorld, startWorld } from "../sessions/harness.ts";
import { MuxClient } from "../terminals/harness.ts";
import { type FakePushService, startFakePushService } from "./push-service.ts";

/**
 * Notifications from real agent turns (real runner, sandbox and pi against the scripted LLM): the
 * bell over HTTP and live on the mux, Web Push to a fake push service that decrypts every message
 * with the subscription's own keys, dead devices pruned on 404/410, no push for a conversation
 * being looked at, preferences, and ownership.
 */
setDefaultTimeout(240_000);

let w: SessionWorld;
let push: FakePushService;
let tab: AgentTab;
let bell: MuxClient;
let bell2: MuxClient;
let project: string;
let session: string;
let bob: Client;
let prompts = 0;

type N = {
  id: string;
  kind: string;
  title: string;
  body: string;
  url: string;
  seq: number | null;
  read_at: number | null;
  session_id: string | null;
};

beforeAll(async () => {
  push = await startFakePushService();
  w = await startWorld({ extraToml: "\n[server]\npush_allow_http_loopback = true\n" });
  project = await createProject(w.admin, "Reports");
  await addUser(w.admin, "bob", "bob-password-1");
  bob = new Client(w.t.url);
  await bob.login("bob", "bob-password-1");
  tab = await AgentTab.open(w.t.url, w.admin.cookie);
  bell = await MuxClient.connect(w.t.url, w.admin.cookie);
  bell2 = await MuxClient.connect(w.t.url, w.admin.cookie);
  expect((await bell.cmd("watch", {}, "notify")).data).toEqual({ unread: 0 });
  expect((await bell2.cmd("watch", {}, "notify")).ok).toBe(true);
  ({ session_id: session } = await tab.ok<{ session_id: string }>("session.create", { project_id: project }));
  await tab.ok("session.subscribe", { session_id: session });
  await tab.waitEvent(session, (f) => f.event === "session.state", "session.state", 150_000);
});
afterAll(async () => {
  for (const c of [tab?.mux, bell, bell2]) if (c && !c.closed) c.ws.close();
  await w?.stop();
  push?.stop();
});

/** One turn: the model answers `reply` (or fails with `httpError`); resolves after its idle. */
async function turn(step: Record<string, unknown>) {
  w.fx.enqueue([step as never]);
  const idles = tab.events(session).filter((f) => f.event === "agent.idle").length;
  await tab.ok("prompt", { session_id: session, message: `go ${++prompts}`, client_id: `c-${prompts}` });
  return tab.waitIdle(session, idles + 1, 150_000);
}

const added = (c: MuxClient) => c.frames.filter((f) => f.ch === "notify" && f.event === "added");

describe("notifications", () => {
  const subs: Awaited<ReturnType<FakePushService["subscribe"]>>[] = [];
  let finishedId = "";

  test("VAPID keys are made once, 0600, and offered to the browser", async () => {
    const file = dataPaths(w.t.server.ctx.config.paths.dataDir).vapidKeys;
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const r = await w.admin.get<{ public_key: string; devices: unknown[] }>("/api/notifications/push");
    expect(r.body.public_key).toMatch(/^[A-Za-z0-9_-]{87}$/);
    expect(r.body.devices).toEqual([]);
  });

  test("devices subscribe; bad subscriptions are refused with a stable code", async () => {
    for (const status of [201, 404, 410]) {
      const s = await push.subscribe(status);
      subs.push(s);
      const r = await w.admin.post<{ device: { id: string } }>("/api/notifications/push/subscriptions", {
        endpoint: s.endpoint,
        keys: s.keys,
        device: `device ${status}`,
      });
      expect(r.status).toBe(200);
    }
    const good = subs[0] as (typeof subs)[number];
    const bad = [
      { endpoint: "http://10.0.0.5/push", keys: good.keys },
      { endpoint: "https://127.0.0.1/push", keys: good.keys },
      { endpoint: "not a url", keys: good.keys },
      { endpoint: "https://push.example.com/x", keys: { p256dh: "short", auth: good.keys.auth } },
      { endpoint: "https://push.example.com/x" },
    ];
    for (const body of bad) {
      const r = await w.admin.post("/api/notifications/push/subscriptions", body);
      expect(r.status).toBe(422);
      expect(r.code).toBe("validation_failed");
    }
    const list = await w.admin.get<{ devices: { device: string }[] }>("/api/notifications/push");
    expect(list.body.devices.map((d) => d.device)).toEqual(["device 201", "device 404", "device 410"]);
  });

  test("a finished turn reaches the bell (live, in both tabs) and every device, encrypted; 404/410 devices are dropped", async () => {
    const idle = await turn({ text: "The summary of yesterday's commits is ready." });
    const pushes = await push.waitFor(3);
    const payloads = pushes.map((p) => p.payload);
    for (const p of payloads) {
      expect(p).toMatchObject({ kind: "turn.finished", session_id: session });
      expect(String(p.body)).toContain("summary of yesterday's commits");
      expect(String(p.title)).toContain("Reports");
      expect(p.url).toMatch(
        new RegExp(`^/projects/${project}/chat\\?session=${session}&at=${idle.seq}&msg=msg_[0-9a-f]{28}$`),
      );
    }
    const key = (await w.admin.get<{ public_key: string }>("/api/notifications/push")).body.public_key;
    expect(pushes.every((p) => p.vapidKey === key && p.headers.ttl !== undefined)).toBe(true);
    // The bell heard it live in both tabs, with the count.
    const [a] = await Promise.all([
      bell.waitFor("added", () => added(bell)[0]),
      bell2.waitFor("added", () => added(bell2)[0]),
    ]);
    expect(a).toMatchObject({ unread: 1, notification: { kind: "turn.finished", seq: idle.seq } });
    finishedId = (a.notification as N).id;
    // Gone devices are removed once the push service says so.
    await w.t.server.ctx.services.notifications.settled();
    const list = await w.admin.get<{ devices: { device: string }[] }>("/api/notifications/push");
    expect(list.body.devices.map((d) => d.device)).toEqual(["device 201"]);
    const stored = await w.admin.get<{ notifications: N[]; unread: number }>("/api/notifications");
    expect(stored.body.unread).toBe(1);
    expect(stored.body.notifications[0]).toMatchObject({
      id: finishedId,
      read_at: null,
      session_id: session,
    });
  });

  test("a failed turn is a turn.failed notification", async () => {
    const before = push.delivered.length;
    await turn({ httpError: 400, message: "model refused the request" });
    const [p] = (await push.waitFor(before + 1)).slice(before);
    expect(p?.payload).toMatchObject({ kind: "turn.failed", session_id: session });
    await bell.waitFor("failed added", () =>
      added(bell).find((f) => (f.notification as N).kind === "turn.failed"),
    );
  });

  test("marking read in one tab clears it in the other", async () => {
    const r = await w.admin.post<{ unread: number }>("/api/notifications/read", { ids: [finishedId] });
    expect(r.body.unread).toBe(1);
    const seen = await bell2.waitFor("read", () =>
      bell2.frames.find((f) => f.ch === "notify" && f.event === "read"),
    );
    expect(seen).toMatchObject({ ids: [finishedId], unread: 1 });
    expect(
      (await w.admin.post<{ unread: number }>("/api/notifications/read", { all: true })).body.unread,
    ).toBe(0);
    await bell.waitFor("all read", () =>
      bell.frames.find((f) => f.event === "read" && f.ids === null && f.unread === 0),
    );
  });

  test("no push while the person looks at the conversation; the bell keeps it, already read", async () => {
    expect((await bell.cmd("focus", { session_id: session, visible: true }, "notify")).ok).toBe(true);
    const before = push.delivered.length;
    const n = added(bell).length;
    await turn({ text: "Seen live." });
    const a = await bell.waitFor("added while looking", () => added(bell)[n]);
    expect((a.notification as N).read_at).not.toBeNull();
    expect(a.unread).toBe(0);
    await w.t.server.ctx.services.notifications.settled();
    expect(push.delivered.length).toBe(before);
    // Hidden tab (another app in front): pushes again.
    expect((await bell.cmd("focus", { session_id: session, visible: false }, "notify")).ok).toBe(true);
    await turn({ text: "Seen on the phone." });
    await push.waitFor(before + 1);
  });

  test("preferences choose kinds and channels", async () => {
    const prefs = (
      await w.admin.get<{ preferences: Record<string, { app: boolean; push: boolean }> }>(
        "/api/notifications/preferences",
      )
    ).body.preferences;
    expect(prefs["turn.finished"]).toEqual({ app: true, push: true });
    const off = { ...prefs, "turn.finished": { app: false, push: false } };
    expect((await w.admin.request("PUT", "/api/notifications/preferences", { body: off })).status).toBe(200);
    const bad = await w.admin.request("PUT", "/api/notifications/preferences", {
      body: { ...off, "turn.finished": { app: "yes" } },
    });
    expect(bad.status).toBe(422);
    const before = push.delivered.length;
    const n = added(bell).length;
    await turn({ text: "Nobody hears this one." });
    await w.t.server.ctx.services.notifications.settled();
    expect(push.delivered.length).toBe(before);
    expect(added(bell).length).toBe(n);
    await w.admin.request("PUT", "/api/notifications/preferences", { body: prefs });
  });

  test("a budget reached (recorded by the gateway's gate) is a notification on the bell and the devices", async () => {
    const before = push.delivered.length;
    const n = added(bell).length;
    const me = (await w.admin.get<{ user: { id: string } }>("/api/auth/me")).body.user.id;
    budgetEventsRepo(w.t.server.ctx.db).record({
      ts: Date.now(),
      user_id: me,
      session_id: session,
      scope: "session",
      period: session,
      limit_usd: 0.5,
    });
    w.t.server.ctx.services.llm.budgetEvents.poll();
    const a = await bell.waitFor("budget added", () => added(bell)[n]);
    expect(a.notification).toMatchObject({ kind: "budget.reached", session_id: session });
    expect((a.notification as N).title).toContain("$0.50");
    const [p] = (await push.waitFor(before + 1)).slice(before);
    expect(p?.payload).toMatchObject({ kind: "budget.reached" });
  });

  test("another user sees, reads and removes none of it", async () => {
    expect((await bob.get<{ notifications: N[] }>("/api/notifications")).body.notifications).toEqual([]);
    const mine = (await w.admin.get<{ notifications: N[] }>("/api/notifications")).body.notifications;
    await w.admin.post("/api/notifications/read", { all: true });
    const unreadBefore = (await w.admin.get<{ unread: number }>("/api/notifications")).body.unread;
    expect((await bob.post("/api/notifications/read", { ids: [(mine[0] as N).id] })).status).toBe(200);
    expect((await w.admin.get<{ unread: number }>("/api/notifications")).body.unread).toBe(unreadBefore);
    const device = (await w.admin.get<{ devices: { id: string }[] }>("/api/notifications/push")).body
      .devices[0];
    expect((await bob.delete(`/api/notifications/push/subscriptions/${device?.id}`)).code).toBe("not_found");
    expect((await w.admin.get<{ devices: unknown[] }>("/api/notifications/push")).body.devices).toHaveLength(
      1,
    );
    expect((await bob.post("/api/notifications/read", { ids: ["nope"] })).status).toBe(422);
    expect((await new Client(w.t.url).get("/api/notifications")).status).toBe(401);
    expect((await bell.cmd("focus", { session_id: "ses_x" }, "notify")).error).toMatchObject({
      code: "validation_failed",
    });
  });
});

/**
 * Notifications (issue 14):
 * 1. event → push request sent: an `agent.idle` ending a turn is stored through the real SessionHub
 *    (history in SQLite), read off by the turn watcher, stored as a notification, encrypted (RFC 8291)
 *    and POSTed to a local fake push service; measured to the request's arrival there.
 * 2. the service worker's offline shell: the real server serves the UI once (the service worker
 *    installs and caches the shell), then stops; each reload in Chromium is timed to the first
 *    rendered element.
 *
 *   bun bench/notifications.ts [--runs N] [--reloads M]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { HistoryRegistry } from "../src/history/registry.ts";
import { pushSender } from "../src/notifications/push.ts";
import { NotificationService } from "../src/notifications/service.ts";
import { TurnWatcher } from "../src/notifications/turns.ts";
import { loadOrCreateVapidKeys } from "../src/notifications/vapid.ts";
import { newId } from "../src/protocol/ids.ts";
import { SessionHub } from "../src/sessions/hub.ts";
import { createLogger } from "../src/shared/log.ts";
import { openMainDb } from "../src/storage/main-db.ts";
import { usersRepo } from "../src/storage/users.ts";
import { startTestServer } from "../test/http/harness.ts";
import { startFakePushService } from "../test/notify/push-service.ts";
import { ensureUiBuilt, launchChromium } from "../test/ui/browser.ts";

const { values } = parseArgs({
  options: { runs: { type: "string", default: "200" }, reloads: { type: "string", default: "20" } },
});
const runs = Number(values.runs);
const reloads = Number(values.reloads);
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] as number;
};
const fmt = (xs: number[]) =>
  `p50 ${pct(xs, 50).toFixed(2)} ms · p90 ${pct(xs, 90).toFixed(2)} ms · max ${Math.max(...xs).toFixed(2)} ms (n=${xs.length})`;

async function pushLatency(): Promise<number[]> {
  const dir = mkdtempSync(join(tmpdir(), "octo-bench-notify-"));
  const push = await startFakePushService();
  try {
    const opened = openMainDb(join(dir, "octo.db"));
    if (!opened.ok) throw new Error(opened.error.message);
    const db = opened.value;
    const now = Date.now();
    const userId = newId("usr");
    usersRepo(db).insert({
      id: userId,
      username: "bench",
      password_hash: "x",
      role: "user",
      linux_user: null,
      created_at: now,
      updated_at: now,
    });
    const vapid = loadOrCreateVapidKeys(join(dir, "vapid.json"));
    const notifications = new NotificationService({
      db,
      log: createLogger({ level: "error" }),
      vapidPublicKey: vapid.publicKey,
      push: pushSender({ vapid, subject: "mailto:bench@localhost" }),
      allowHttpEndpoints: true,
    });
    const sub = await push.subscribe(201);
    const added = notifications.subscribe(userId, { endpoint: sub.endpoint, keys: sub.keys });
    if (!added.ok) throw new Error(added.error.message);
    const history = new HistoryRegistry(dir);
    const hub = new SessionHub((u) => history.for(u));
    const turns = new TurnWatcher({
      notify: (u, n) => void notifications.notify(u, n),
      describe: () => "Bench · Project",
      wasWorking: () => false,
    });
    hub.observe(turns.observe);
    const session = { id: newId("ses"), project_id: newId("prj") };
    const times: number[] = [];
    for (let i = 0; i < runs + 10; i++) {
      hub.publish(userId, session, [{ event: "agent.working", phase: "model" }]);
      const before = push.delivered.length;
      const t0 = performance.timeOrigin + performance.now();
      hub.publish(userId, session, [{ event: "agent.idle" }]);
      const [d] = (await push.waitFor(before + 1)).slice(before);
      if (i >= 10 && d) times.push(d.at - t0);
    }
    history.close();
    db.close();
    return times;
  } finally {
    push.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function offlineShell(): Promise<number[]> {
  await ensureUiBuilt();
  const t = await startTestServer();
  const browser = await launchChromium();
  let stopped = false;
  try {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 820 } });
    const page = await ctx.newPage();
    await page.goto(`${t.url}/login`);
    await page.getByLabel("User name").fill(t.admin.username);
    await page.getByLabel("Password").fill(t.admin.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Projects" }).waitFor({ timeout: 60_000 });
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
    await page.reload();
    await page.getByRole("heading", { name: "Projects" }).waitFor({ timeout: 60_000 });
    await t.server.stop();
    stopped = true;
    const times: number[] = [];
    for (let i = 0; i < reloads; i++) {
      const t0 = performance.now();
      await page.goto(`${t.url}/projects`);
      await page.locator("#root > *").first().waitFor({ timeout: 30_000 });
      times.push(performance.now() - t0);
    }
    return times;
  } finally {
    await browser.close();
    await t.stop().catch(() => {});
    void stopped;
  }
}

console.log(
  `load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")}`,
);
console.log(`event (agent.idle stored) → push request at the push service: ${fmt(await pushLatency())}`);
console.log(`offline shell (server stopped) → first element: ${fmt(await offlineShell())}`);

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Browser, BrowserContext, Page } from "rebrowser-playwright";
import { AgentTab, createProject, type SessionWorld, startWorld } from "../sessions/harness.ts";
import {
  ensureUiBuilt,
  launchChromium,
  pageErrors,
  screenshot,
  signedIn,
  VIEWPORTS,
  watchErrors,
} from "./browser.ts";

/**
 * Notifications and the installable app in real Chromium against the real server: the bell follows
 * a real agent turn live in two tabs and reading it in one clears the other; the service worker gets
 * a push (delivered through CDP: headless Chromium has no push service of its own), shows it, and its
 * click handler opens the conversation; the manifest and icons are served; the offline shell loads
 * with the server stopped.
 */

let w: SessionWorld;
let browser: Browser;
let agent: AgentTab;
let project: string;
const T = 30_000;
let prompts = 0;
let serverStopped = false;

beforeAll(async () => {
  await ensureUiBuilt();
  w = await startWorld();
  browser = await launchChromium();
  project = await createProject(w.admin, "Reports");
  agent = await AgentTab.open(w.t.url, w.admin.cookie);
}, 180_000);

afterAll(async () => {
  await agent?.close().catch(() => {});
  await browser?.close();
  if (serverStopped) await w?.stop().catch(() => {});
  else await w?.stop();
});

/** A conversation whose turn finishes with `reply` (real runner, sandbox and pi; scripted model). */
async function finishedTurn(reply: string): Promise<string> {
  const { session_id } = await agent.ok<{ session_id: string }>("session.create", { project_id: project });
  await agent.ok("session.subscribe", { session_id });
  await agent.waitEvent(session_id, (f) => f.event === "session.state", "session.state", 150_000);
  w.fx.enqueue([{ text: reply }]);
  await agent.ok("prompt", { session_id, message: "summarise", client_id: `ui-${++prompts}` });
  await agent.waitIdle(session_id, 1, 150_000);
  return session_id;
}

/** What the tests call in the service worker's global scope (not in the DOM typings). */
type SwScope = {
  registration: {
    getNotifications(): Promise<
      { title: string; body: string; data: { url: string; id?: string }; close(): void }[]
    >;
  };
  openConversation(url: string): Promise<void>;
};

const bellCount = (page: Page) => page.locator(".bell-button:visible [data-testid=bell-count]");

for (const vp of VIEWPORTS) {
  describe(`the bell at ${vp.name} width (${vp.width}px)`, () => {
    test("updates live in two tabs; opening it in one clears the other and opens the conversation", async () => {
      const { ctx, page, errors } = await signedIn(
        browser,
        w.t.url,
        vp,
        w.t.admin.username,
        w.t.admin.password,
      );
      const other = await ctx.newPage();
      const otherErrors = watchErrors(other);
      await other.goto(`${w.t.url}/projects`);
      await other.getByRole("heading", { name: "Projects" }).waitFor({ timeout: T });
      await w.admin.post("/api/notifications/read", { all: true });
      await bellCount(page).waitFor({ state: "detached", timeout: T });

      const session = await finishedTurn(`Yesterday: 3 commits (${vp.name}).`);
      await bellCount(page).getByText("1", { exact: true }).waitFor({ timeout: T });
      await bellCount(other).getByText("1", { exact: true }).waitFor({ timeout: T });

      await page.bringToFront();
      await page.locator(".bell-button:visible").click();
      const item = page.getByRole("dialog", { name: "Notifications" }).getByRole("link").first();
      await item.getByText(`Yesterday: 3 commits (${vp.name}).`).waitFor({ timeout: T });
      await screenshot(page, `notifications-bell-${vp.name}`);
      await item.click();
      await page.waitForURL(`**/projects/${project}/chat?session=${session}&at=*&msg=*`, { timeout: T });
      // Opened at the reply the notification is about: that message is marked (and scrolled to).
      await page
        .locator("article[data-anchored]")
        .getByText(`Yesterday: 3 commits (${vp.name}).`)
        .waitFor({ timeout: T });
      await bellCount(other).waitFor({ state: "detached", timeout: T });
      expect(await bellCount(page).count()).toBe(0);
      expect(await pageErrors(page, errors)).toEqual([]);
      expect(await pageErrors(other, otherErrors)).toEqual([]);
      await ctx.close();
    }, 240_000);
  });
}

describe("installable app", () => {
  let ctx: BrowserContext;
  let page: Page;

  test("index.html links the manifest; manifest, icons and service worker are served with their types under the CSP", async () => {
    const html = await (await fetch(`${w.t.url}/`)).text();
    expect(html).toContain('<link rel="manifest" href="/manifest.webmanifest"');
    expect(html).toContain('name="apple-mobile-web-app-capable" content="yes"');
    expect(html).toContain('rel="apple-touch-icon"');
    const m = await fetch(`${w.t.url}/manifest.webmanifest`);
    expect(m.headers.get("content-type")).toContain("application/manifest+json");
    const csp = m.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("worker-src 'self'");
    expect(csp).toContain("manifest-src 'self'");
    const manifest = (await m.json()) as {
      name: string;
      start_url: string;
      display: string;
      icons: { src: string; sizes: string; purpose: string }[];
    };
    expect(manifest).toMatchObject({ name: "octo", start_url: "/projects", display: "standalone" });
    for (const size of ["192x192", "512x512"]) {
      const icon = manifest.icons.find((i) => i.sizes === size && i.purpose === "any");
      const r = await fetch(`${w.t.url}${icon?.src}`);
      expect(r.headers.get("content-type")).toBe("image/png");
      const bytes = new Uint8Array(await r.arrayBuffer());
      const view = new DataView(bytes.buffer);
      expect([view.getUint32(16), view.getUint32(20)]).toEqual(size.split("x").map(Number));
    }
    expect(manifest.icons.some((i) => i.purpose === "maskable")).toBe(true);
    const sw = await fetch(`${w.t.url}/sw.js`);
    expect(sw.headers.get("content-type")).toContain("javascript");
    expect(sw.headers.get("cache-control")).toBe("no-cache");
    const precache = (await (await fetch(`${w.t.url}/precache.json`)).json()) as string[];
    expect(precache.length).toBeGreaterThan(5);
    expect(precache.some((f) => f.startsWith("/api/"))).toBe(false);
  });

  test("a push reaches the service worker, which shows it; its click opens the conversation", async () => {
    ctx = await browser.newContext({ viewport: { width: 1280, height: 820 } });
    await ctx.grantPermissions(["notifications"], { origin: w.t.url });
    page = await ctx.newPage();
    const errors = watchErrors(page);
    await page.goto(`${w.t.url}/login`);
    await page.getByLabel("User name").fill(w.t.admin.username);
    await page.getByLabel("Password").fill(w.t.admin.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Projects" }).waitFor({ timeout: T });
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
    expect(await page.evaluate(() => Notification.permission)).toBe("granted");

    const cdp = await ctx.newCDPSession(page);
    // The latest registration for the app's scope (a reload under load can register it afresh).
    let registrationId = "";
    const registered = new Promise<void>((resolve) => {
      cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        (e: { registrations: { registrationId: string; scopeURL: string; isDeleted?: boolean }[] }) => {
          const r = e.registrations.filter((x) => x.scopeURL === `${w.t.url}/` && !x.isDeleted).at(-1);
          if (!r) return;
          registrationId = r.registrationId;
          resolve();
        },
      );
    });
    await cdp.send("ServiceWorker.enable");
    await registered;
    const session = await finishedTurn("The nightly run is done.");
    // The payload the server would encrypt for this device (what the fake push service decrypts in test/notify).
    const stored = await w.admin.get<{
      notifications: {
        id: string;
        kind: string;
        title: string;
        body: string;
        url: string;
        session_id: string;
      }[];
    }>("/api/notifications");
    const n = stored.body.notifications.find((x) => x.session_id === session);
    if (!n) throw new Error("no notification for the turn");
    const payload = {
      id: n.id,
      kind: n.kind,
      title: n.title,
      body: n.body,
      url: n.url,
      session_id: n.session_id,
    };
    // A push delivered before the worker is active is dropped (seen once under load): wait for it.
    const state = await page.evaluate(() =>
      navigator.serviceWorker.ready.then(
        (r) =>
          new Promise<string | undefined>((resolve) => {
            const sw = r.active;
            if (!sw || sw.state === "activated") return resolve(sw?.state);
            sw.addEventListener("statechange", () => sw.state === "activated" && resolve(sw.state));
          }),
      ),
    );
    expect(state).toBe("activated");
    const deliver = () =>
      cdp.send("ServiceWorker.deliverPushMessage", {
        origin: w.t.url,
        registrationId,
        data: JSON.stringify(payload),
      });
    const worker = ctx.serviceWorkers().findLast((sw) => sw.url().endsWith("/sw.js"));
    if (!worker) throw new Error("no service worker");
    const shownBy = () =>
      worker.evaluate(async () => {
        const sw = self as unknown as SwScope;
        for (let i = 0; i < 20; i++) {
          const list = await sw.registration.getNotifications();
          if (list.length) return list.map((x) => ({ title: x.title, body: x.body, data: x.data }));
          await new Promise((r) => setTimeout(r, 100));
        }
        return [];
      });
    // A push can be lost on its way in under load (a push service would retry): deliver again, bounded.
    let shown: Awaited<ReturnType<typeof shownBy>> = [];
    for (let attempt = 0; attempt < 5 && shown.length === 0; attempt++) {
      await deliver();
      shown = await shownBy();
    }
    expect(shown).toEqual([{ title: n.title, body: n.body, data: { url: n.url, id: n.id } }]);
    // A person's click on an OS notification cannot be scripted; the handler's work can: the
    // worker's own `openConversation` with the shown notification's data.
    await worker.evaluate(async () => {
      const sw = self as unknown as SwScope;
      const [shownN] = await sw.registration.getNotifications();
      await sw.openConversation(shownN?.data.url ?? "");
      shownN?.close();
    });
    await page.waitForURL(`**/projects/${project}/chat?session=${session}&at=*`, { timeout: T });
    await page.getByText("The nightly run is done.").first().waitFor({ timeout: T });
    expect(await pageErrors(page, errors)).toEqual([]);
  }, 240_000);

  test("the page asks for push permission only from a click, and says so when the browser cannot subscribe", async () => {
    await page.goto(`${w.t.url}/account`);
    const button = page.getByRole("button", { name: "Notify this device" });
    await button.waitFor({ timeout: T });
    await button.click();
    // Headless Chromium has no push service: either a device appears or the reason is shown.
    await page
      .getByText(/This browser could not subscribe|added/)
      .first()
      .waitFor({ timeout: T });
    await screenshot(page, "notifications-settings-desktop");
  });

  test("on an iPhone in Safari (not installed) the settings say to add to the Home Screen first, and ask nothing", async () => {
    const iphone = await browser.newContext({
      viewport: { width: 375, height: 740 },
      colorScheme: "dark",
      userAgent:
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
    });
    const p = await iphone.newPage();
    const errors = watchErrors(p);
    await p.goto(`${w.t.url}/login`);
    await p.getByLabel("User name").fill(w.t.admin.username);
    await p.getByLabel("Password").fill(w.t.admin.password);
    await p.getByRole("button", { name: "Sign in" }).click();
    await p.getByRole("heading", { name: "Projects" }).waitFor({ timeout: T });
    await p.goto(`${w.t.url}/account`);
    await p.getByTestId("ios-hint").getByText("Add to Home Screen").waitFor({ timeout: T });
    expect(await p.getByRole("button", { name: "Notify this device" }).count()).toBe(0);
    expect(await p.evaluate(() => Notification.permission)).toBe("default");
    await screenshot(p, "notifications-settings-iphone");
    expect(await pageErrors(p, errors)).toEqual([]);
    await iphone.close();
  });

  test("the offline shell loads with the server stopped", async () => {
    await page.goto(`${w.t.url}/projects`);
    await page.getByRole("heading", { name: "Projects" }).waitFor({ timeout: T });
    expect(await page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
    await w.t.server.stop();
    serverStopped = true;
    const started = Date.now();
    await page.goto(`${w.t.url}/projects`);
    await page.locator("#root > *").first().waitFor({ timeout: T });
    const ms = Date.now() - started;
    console.log(`offline shell load: ${ms} ms`);
    await screenshot(page, "notifications-offline-shell");
    // The app itself, from the cache, saying plainly that the server is away.
    await page.getByText("The server could not be reached").waitFor({ timeout: T });
  });
});

import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Browser } from "rebrowser-playwright";
import { Client } from "../http/client.ts";
import { startTestServer, type TestServer } from "../http/harness.ts";
import { stopLocalRunner } from "../terminals/harness.ts";
import { startBraveSearch, startSearxng } from "../tools/fixtures.ts";
import { ensureUiBuilt, launchChromium, pageErrors, screenshot, signedIn, VIEWPORTS } from "./browser.ts";

/**
 * Admin → Settings → Web search in real Chromium, against fixture search services: nothing set up,
 * then a SearXNG saved and tested (its results listed), then Brave's API with a key that the page
 * never shows again, a wrong key's error code, and clearing.
 */

const T = 20_000;
const KEY = "BSA-ui-test-key-abcdef0123";
let srv: TestServer;
let browser: Browser;
let searx: ReturnType<typeof startSearxng>;
let brave: ReturnType<typeof startBraveSearch>;

beforeAll(async () => {
  await ensureUiBuilt();
  searx = startSearxng();
  brave = startBraveSearch(KEY);
  srv = await startTestServer();
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  const socketDir = srv.server.ctx.config.paths.socketDir;
  await srv?.stop();
  stopLocalRunner(socketDir);
  searx?.stop();
  brave?.stop();
});

for (const vp of VIEWPORTS) {
  test(`set up, test and clear the search service (${vp.name})`, async () => {
    const admin = new Client(srv.url);
    await admin.login(srv.admin.username, srv.admin.password);
    await admin.delete("/api/admin/search"); // each width starts from nothing
    const { ctx, page, errors } = await signedIn(
      browser,
      srv.url,
      vp,
      srv.admin.username,
      srv.admin.password,
      T,
    );
    try {
      // Reached through the admin navigation (sidebar on desktop, tabs on the phone).
      await page.goto(`${srv.url}/admin/users`);
      const link = page.getByRole("link", { name: "Settings", exact: true });
      await link.locator("visible=true").click();
      await page.waitForURL("**/admin/settings", { timeout: T });
      const current = page.getByTestId("search-current");
      await current.getByText("Not set up").waitFor({ timeout: T });
      await page.getByText("Nothing to test yet").waitFor({ timeout: T });

      // An address that is not one is refused at its field.
      await page.getByLabel("Address").fill("searx.local");
      await page.getByRole("button", { name: "Save" }).click();
      await page.getByRole("alert").filter({ hasText: "http:// or https://" }).waitFor({ timeout: T });

      await page.getByLabel("Address").fill(searx.url);
      await page.getByRole("button", { name: "Save" }).click();
      await current.getByText("SearXNG (JSON API), saved here.").waitFor({ timeout: T });
      expect(await current.locator('[data-field="url"]').textContent()).toBe(searx.url);

      await page.getByLabel("Test query").fill("river otters");
      await page.getByRole("button", { name: "Test", exact: true }).click();
      const results = page.getByRole("list", { name: "Test results" });
      await results.waitFor({ timeout: T });
      expect(await results.getByRole("listitem").count()).toBe(3);
      expect(await results.getByRole("link").first().textContent()).toBe("First about river otters");
      await page.getByText(/3 results from searxng in \d+ ms/).waitFor({ timeout: T });
      expect(searx.queries.at(-1)).toBe("river otters");
      await screenshot(page, `search-settings-${vp.name}-searxng`);

      // Brave's API with a key: saved, shown only as stored.
      await page.getByLabel("Service", { exact: true }).selectOption("brave");
      await page.getByLabel("Endpoint (optional)").fill(brave.url);
      await page.getByRole("button", { name: "Save" }).click();
      await page.getByRole("alert").filter({ hasText: "needs an API key" }).waitFor({ timeout: T });
      await page.getByLabel("API key").fill(KEY);
      await page.getByRole("button", { name: "Save" }).click();
      await current.getByText("Key stored on the server").waitFor({ timeout: T });
      expect(await page.getByLabel("API key").inputValue()).toBe("");
      expect(await page.content()).not.toContain(KEY);
      await page.getByText("A key is stored. Leave this empty to keep it").waitFor({ timeout: T });
      await page.getByRole("button", { name: "Test", exact: true }).click();
      await page.getByText(/2 results from brave in \d+ ms/).waitFor({ timeout: T });
      expect(brave.queries.at(-1)?.q).toBe("river otters");
      await screenshot(page, `search-settings-${vp.name}-brave`);

      // A wrong key: the test shows the error code and the reason.
      await page.getByLabel("API key").fill("wrong-key");
      await page.getByRole("button", { name: "Save" }).click();
      await page.getByText("Saved. Agents use it").waitFor({ timeout: T });
      await page.getByRole("button", { name: "Test", exact: true }).click();
      const failed = page.locator('[data-test="failed"]');
      await failed.waitFor({ timeout: T });
      expect(await failed.textContent()).toBe("search_failed: the search service refused the API key");
      await screenshot(page, `search-settings-${vp.name}-failed`);

      // Cleared: back to nothing (no config file backend in this server).
      await page.getByRole("button", { name: "Clear" }).click();
      await current.getByText("Not set up").waitFor({ timeout: T });
      expect((await admin.get("/api/admin/search")).body).toMatchObject({ configured: false, source: null });

      // Nothing scrolls sideways at either width.
      const overflow = await page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      expect(overflow).toBeLessThanOrEqual(0);
      expect(await pageErrors(page, errors)).toEqual([]);
    } finally {
      await ctx.close();
    }
  }, 120_000);
}

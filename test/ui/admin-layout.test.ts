import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Browser, Page } from "rebrowser-playwright";
import { Client } from "../http/client.ts";
import { startTestServer, type TestServer } from "../http/harness.ts";
import { stopLocalRunner } from "../terminals/harness.ts";
import { ensureUiBuilt, launchChromium, pageErrors, screenshot, signedIn, VIEWPORTS } from "./browser.ts";

/**
 * The admin area's frame in real Chromium: each section is offered once (sidebar on desktop, tabs
 * on phones), every admin page starts at the same height, the Status page is the operator's
 * dashboard, and a project's pages use the width of a wide screen.
 */

const T = 20_000;
let srv: TestServer;
let browser: Browser;
let projectId = "";

beforeAll(async () => {
  await ensureUiBuilt();
  srv = await startTestServer();
  const admin = new Client(srv.url);
  await admin.login(srv.admin.username, srv.admin.password);
  // Making a project starts the admin's runner, so the dashboard has one to show.
  const made = await admin.post<{ project: { id: string } }>("/api/projects", { name: "wide" });
  projectId = made.body.project.id;
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  const socketDir = srv.server.ctx.config.paths.socketDir;
  await srv?.stop();
  stopLocalRunner(socketDir);
});

const SECTIONS = ["users", "invites", "models", "settings", "status"] as const;

/** Where the page's first content below the heading starts. */
const contentTop = (page: Page) =>
  page.evaluate(() => {
    const head = document.querySelector(".content .page-head") as HTMLElement;
    return Math.round(head.getBoundingClientRect().bottom);
  });

for (const vp of VIEWPORTS) {
  test(`admin sections once, no jump between them, Status as a dashboard (${vp.name})`, async () => {
    const { page, errors } = await signedIn(browser, srv.url, vp, srv.admin.username, srv.admin.password, T);
    const tops: Record<string, number> = {};
    for (const section of SECTIONS) {
      await page.goto(`${srv.url}/admin/${section}`);
      await page.locator(".content .page-head h1").waitFor({ timeout: T });
      const links = page.getByRole("link", { name: new RegExp(`^${section}$`, "i") });
      const visible = await links.evaluateAll(
        (els) => els.filter((e) => (e as HTMLElement).offsetParent).length,
      );
      expect({ section, visible }).toEqual({ section, visible: 1 });
      tops[section] = await contentTop(page);
    }
    expect(new Set(Object.values(tops)).size).toBe(1);

    await page.goto(`${srv.url}/admin/status`);
    const runner = page.locator('[data-runner="local"]');
    await runner.getByText("up", { exact: true }).waitFor({ timeout: T });
    expect(await runner.textContent()).toMatch(
      /0 agents · 0 shells · \d+\/\d+ processes · [\d.]+ [KMG]B memory · pid \d+/,
    );
    await page.getByRole("heading", { name: "Disk space" }).waitFor({ timeout: T });
    expect(await page.locator('[data-disk="data"]').textContent()).toMatch(/[\d.]+ [KMGT]?B free of/);
    await page.getByText("None: every request to a model provider succeeded.").waitFor({ timeout: T });
    await page.getByText("Agents running").waitFor({ timeout: T });
    // What the mode keeps apart, said plainly (single-user here).
    expect(await page.getByTestId("isolation").textContent()).toContain("kept apart by the sandbox only");
    await screenshot(page, `admin-status-${vp.name}`);
    expect(await pageErrors(page, errors)).toEqual([]);
    await page.context().close();
  }, 90_000);
}

test("a project's pages use the width of a 1366 px screen", async () => {
  const vp = { name: "desktop", width: 1366, height: 768 } as const;
  const { page, errors } = await signedIn(
    browser,
    srv.url,
    vp as unknown as (typeof VIEWPORTS)[number],
    srv.admin.username,
    srv.admin.password,
    T,
  );
  await page.goto(`${srv.url}/projects/${projectId}/files`);
  const content = page.locator(".content");
  await content.waitFor({ timeout: T });
  const sidebar = await page.locator(".sidebar").evaluate((e) => e.getBoundingClientRect().width);
  const width = await content.evaluate((e) => e.getBoundingClientRect().width);
  expect(width).toBe(1366 - sidebar);
  await page.goto(`${srv.url}/projects`);
  await page.getByRole("heading", { name: "Projects" }).waitFor({ timeout: T });
  expect(await content.evaluate((e) => e.getBoundingClientRect().width)).toBeLessThanOrEqual(1040);
  await screenshot(page, "projects-1366");
  expect(await pageErrors(page, errors)).toEqual([]);
  await page.context().close();
}, 90_000);

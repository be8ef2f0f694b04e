import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Browser, Locator } from "rebrowser-playwright";
import { listProfiles } from "../../src/shared/profiles.ts";
import { projectsRepo } from "../../src/storage/projects.ts";
import { startTestServer, type TestServer } from "../http/harness.ts";
import { stopLocalRunner } from "../terminals/harness.ts";
import { ensureUiBuilt, launchChromium, pageErrors, screenshot, signedIn, VIEWPORTS } from "./browser.ts";

/** The sandbox profile pickers (New project, a project's Settings): name and description, whole. */

const T = 30_000;
let srv: TestServer;
let browser: Browser;

beforeAll(async () => {
  await ensureUiBuilt();
  srv = await startTestServer();
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  const socketDir = srv.server.ctx.config.paths.socketDir;
  await srv?.stop();
  stopLocalRunner(socketDir);
});

/** Every profile is offered with its description, and no text is cut off. */
async function expectWholeDescriptions(picker: Locator) {
  for (const p of listProfiles()) {
    const choice = picker.locator(`[data-profile="${p.name}"]`);
    await choice.waitFor({ timeout: T });
    expect(await choice.locator(".profile-desc").textContent()).toBe(p.description);
    const radio = picker.getByRole("radio", { name: p.name, exact: true });
    expect(await radio.getAttribute("aria-describedby")).toBeTruthy();
  }
  const cut = await picker.evaluate((el) =>
    [...el.querySelectorAll(".profile-name, .profile-desc")]
      .filter((e) => e.scrollWidth > e.clientWidth + 1)
      .map((e) => e.textContent),
  );
  expect(cut).toEqual([]);
}

for (const vp of VIEWPORTS) {
  test(`profile pickers show each profile's name and description in full (${vp.name})`, async () => {
    const { page, errors } = await signedIn(browser, srv.url, vp, srv.admin.username, srv.admin.password, T);
    await page.getByRole("button", { name: "New project" }).first().click();
    const dialog = page.getByRole("dialog", { name: "New project" });
    const picker = dialog.getByRole("group", { name: "Sandbox profile" });
    await expectWholeDescriptions(picker);
    await screenshot(page, `new-project-profiles-${vp.name}`);
    await dialog.getByLabel("Name").fill(`pick-${vp.name}`);
    await picker.getByRole("radio", { name: "strict", exact: true }).check();
    await dialog.getByRole("button", { name: "Create project" }).click();
    await page.waitForURL(/\/projects\/prj_[0-9a-f]+\/chat/, { timeout: T });
    const projectId = /\/projects\/(prj_[0-9a-f]+)/.exec(page.url())?.[1] ?? "";
    expect(projectsRepo(srv.server.ctx.db).byId(projectId)?.profile).toBe("strict");

    await page.goto(`${srv.url}/projects/${projectId}/settings`);
    const settings = page.getByRole("group", { name: "Sandbox profile" });
    await expectWholeDescriptions(settings);
    expect(await settings.getByRole("radio", { name: "strict", exact: true }).isChecked()).toBe(true);
    await screenshot(page, `settings-profiles-${vp.name}`);
    expect(await pageErrors(page, errors)).toEqual([]);
    await page.context().close();
  }, 120_000);
}

import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Browser } from "rebrowser-playwright";
import { startTestServer, type TestServer } from "../http/harness.ts";
import { ensureUiBuilt, launchChromium, pageErrors, screenshot, watchErrors } from "./browser.ts";

/** User administration and password changes in a real browser against the real server. */

let srv: TestServer;
let browser: Browser;
const T = 15_000;

beforeAll(async () => {
  await ensureUiBuilt();
  srv = await startTestServer();
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await srv?.stop();
});

async function login(page: import("rebrowser-playwright").Page, username: string, password: string) {
  await page.getByLabel("User name").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

test("admin creates, disables (after confirming), re-enables, resets and deletes a user; the user changes their password", async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 820 } });
  const page = await ctx.newPage();
  const errors = watchErrors(page);
  await page.goto(`${srv.url}/admin/users`);
  await login(page, srv.admin.username, srv.admin.password);
  await page.waitForURL("**/admin/users", { timeout: T });

  // Create: a bad name is refused with the rule, then a good one works.
  await page.getByRole("button", { name: "New user" }).click();
  const create = page.getByRole("dialog", { name: "New user" });
  await create.getByLabel("User name").fill("Carol!");
  await create.getByLabel("Initial password").fill("initial-pass-1");
  await create.getByRole("button", { name: "Create user" }).click();
  await create
    .getByRole("alert")
    .filter({ hasText: "a user name is 1-31 characters" })
    .waitFor({ timeout: T });
  await create.getByLabel("User name").fill("carol");
  await create.getByRole("button", { name: "Create user" }).click();
  await create.waitFor({ state: "detached", timeout: T });
  const row = page.locator('[data-user="carol"]');
  await row.waitFor({ timeout: T });

  // carol is signed in with a page open when she is disabled (after a confirmation): the page says
  // so at once, and so does the sign-in page after a reload and when she tries to sign in again.
  const carolCtx = await browser.newContext({ viewport: { width: 375, height: 740 } });
  const carol = await carolCtx.newPage();
  const carolErrors = watchErrors(carol);
  await carol.goto(`${srv.url}/login`);
  const socket = carol.waitForEvent("websocket", { timeout: T });
  await login(carol, "carol", "initial-pass-1");
  await carol.waitForURL("**/projects", { timeout: T });
  // Her page's socket is open (it sends its hello first) before she is disabled.
  await (await socket).waitForEvent("framesent", { timeout: T });
  await row.getByRole("button", { name: "Disable carol" }).click();
  await page
    .getByRole("dialog", { name: "Disable carol?" })
    .getByRole("button", { name: "Disable user" })
    .click();
  await row.getByText("disabled").waitFor({ timeout: T });
  await screenshot(page, "desktop-admin-user-disabled");
  const disabledNote = carol
    .getByRole("alert")
    .filter({ hasText: "Your account was disabled — contact your admin." });
  await disabledNote.waitFor({ timeout: T });
  expect(carol.url()).toContain("/login");
  await carol.reload();
  await disabledNote.waitFor({ timeout: T });
  await screenshot(carol, "phone-account-disabled");
  await carol.goto(`${srv.url}/login`);
  await login(carol, "carol", "initial-pass-1");
  await disabledNote.waitFor({ timeout: T });
  expect(carol.url()).toContain("/login");
  await row.getByRole("button", { name: "Enable" }).click();
  await row.getByText("disabled").waitFor({ state: "detached", timeout: T });

  // Reset her password, then she signs in with it and changes it herself.
  await row.getByRole("button", { name: "Reset password" }).click();
  const reset = page.getByRole("dialog", { name: "Reset password of carol" });
  await reset.getByLabel("New password").fill("reset-pass-22");
  await reset.getByRole("button", { name: "Set password" }).click();
  await reset.getByText("New password set for carol.").waitFor({ timeout: T });
  await reset.getByRole("button", { name: "Close" }).first().click();

  await login(carol, "carol", "reset-pass-22");
  await carol.waitForURL("**/projects", { timeout: T });
  await carol.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Account" }).click();
  await carol.getByLabel("Current password").fill("wrong-password");
  await carol.getByLabel("New password", { exact: true }).fill("carol-own-333");
  await carol.getByLabel("Repeat new password").fill("carol-own-333");
  await carol.getByRole("button", { name: "Change password" }).click();
  await carol.getByText("The current password is wrong.").waitFor({ timeout: T });
  await carol.getByLabel("Current password").fill("reset-pass-22");
  await carol.getByRole("button", { name: "Change password" }).click();
  await carol.getByText("Password changed.").waitFor({ timeout: T });
  await screenshot(carol, "phone-account-password-changed");
  const relog = await fetch(`${srv.url}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: srv.url },
    body: JSON.stringify({ username: "carol", password: "carol-own-333" }),
  });
  expect(relog.status).toBe(200);

  // Delete: gone from the list, and her open tab is sent to sign in.
  await row.getByRole("button", { name: "Delete carol" }).click();
  await page
    .getByRole("dialog", { name: "Delete carol?" })
    .getByRole("button", { name: "Delete user" })
    .click();
  await row.waitFor({ state: "detached", timeout: T });
  await carol.waitForURL(/\/login/, { timeout: T }); // her socket closed: at once, no click needed
  await carol.reload();
  await carol.getByRole("heading", { name: "Sign in" }).waitFor({ timeout: T });

  expect(await pageErrors(page, errors)).toEqual([]);
  expect(await pageErrors(carol, carolErrors)).toEqual([]);
  await carolCtx.close();
  await ctx.close();
}, 90_000);

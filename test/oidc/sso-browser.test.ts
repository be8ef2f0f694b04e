import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Browser, Page } from "rebrowser-playwright";
import { addUser } from "../http/harness.ts";
import {
  ensureUiBuilt,
  launchChromium,
  pageErrors,
  screenshot,
  VIEWPORTS,
  watchErrors,
} from "../ui/browser.ts";
import { type SsoSetup, startSso } from "./harness.ts";

/**
 * Single sign-on as a person does it, in Chromium, through the real redirects: the sign-in page's
 * button, the provider's own login and consent pages, back to octo signed in; a refusal shown on
 * the sign-in page; sign-out through the provider; and the admin's side (link, password switch).
 */

let s: SsoSetup;
let browser: Browser;
const T = 15_000;

beforeAll(async () => {
  await ensureUiBuilt();
  s = await startSso();
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await s?.stop();
});

/** At the provider: its login form, then its consent form. */
async function atProvider(page: Page, login: string) {
  await page.getByRole("heading", { name: "Test provider sign-in" }).waitFor({ timeout: T });
  expect(page.url()).toStartWith(s.idp.issuer);
  await page.getByLabel("Login").fill(login);
  await page.getByRole("button", { name: "Continue" }).click();
  await page.getByRole("heading", { name: "Allow access" }).waitFor({ timeout: T });
  await page.getByRole("button", { name: "Allow" }).click();
}

for (const vp of VIEWPORTS) {
  describe(`single sign-on at ${vp.name} width (${vp.width}px)`, () => {
    test("button → provider login and consent → back signed in; sign-out ends both", async () => {
      const sub = `sub-web-${vp.name}`;
      s.idp.accounts.set(sub, { preferred_username: `Web ${vp.name}`, groups: ["octo-users"] });
      const ctx = await browser.newContext({
        viewport: vp,
        colorScheme: vp.name === "phone" ? "dark" : "light",
      });
      const page = await ctx.newPage();
      const errors = watchErrors(page);
      await page.goto(`${s.t.url}/projects`);
      await page.waitForURL(/\/login\?next=%2Fprojects$/, { timeout: T });
      const button = page.getByRole("link", { name: "Sign in with Corp ID" });
      await button.waitFor({ timeout: T });
      // The password form is still there (local sign-in is on for everyone).
      await page.getByLabel("User name").waitFor({ timeout: T });
      await screenshot(page, `${vp.name}-sso-login`);
      await button.click();
      await atProvider(page, sub);
      await page.waitForURL(`${s.t.url}/projects`, { timeout: T });
      await page.getByRole("heading", { name: "Projects" }).waitFor({ timeout: T });
      await screenshot(page, `${vp.name}-sso-signed-in`);
      const me = await page.evaluate(async () => (await fetch("/api/auth/me")).json());
      expect(me.user.username).toBe(`web_${vp.name}`);
      // The Account page says how this account signs in, and offers no password to change.
      await page.goto(`${s.t.url}/account`);
      await page
        .getByText("You sign in with Corp ID. This account has no password here.")
        .waitFor({ timeout: T });
      expect(await page.getByRole("heading", { name: "Change password" }).count()).toBe(0);
      await screenshot(page, `${vp.name}-sso-account`);

      // Sign out: octo's session ends, the provider asks, then sends the browser back to sign-in.
      await page.getByRole("button", { name: "Sign out" }).click();
      await page.getByRole("heading", { name: "Sign out of the test provider?" }).waitFor({ timeout: T });
      await page.getByRole("button", { name: "Sign out" }).click();
      await page.waitForURL(`${s.t.url}/login`, { timeout: T });
      await page.getByRole("heading", { name: "Sign in" }).waitFor({ timeout: T });
      const after = await page.evaluate(async () => (await fetch("/api/auth/me")).status);
      expect(after).toBe(401);
      // Signed out at the provider too: the next sign-in asks for the login again.
      await page.getByRole("link", { name: "Sign in with Corp ID" }).click();
      await page.getByRole("heading", { name: "Test provider sign-in" }).waitFor({ timeout: T });
      expect(await pageErrors(page, errors)).toEqual([]);
      await ctx.close();
    });

    test("a refused sign-in says why on the sign-in page", async () => {
      const sub = `sub-sales-${vp.name}`;
      s.idp.accounts.set(sub, { preferred_username: "sales", groups: ["sales"] });
      const ctx = await browser.newContext({ viewport: vp });
      const page = await ctx.newPage();
      await page.goto(`${s.t.url}/login`);
      await page.getByRole("link", { name: "Sign in with Corp ID" }).click();
      await atProvider(page, sub);
      await page.waitForURL(/\/login\?error=oidc_group_denied$/, { timeout: T });
      const alert = page.getByRole("alert").filter({ hasText: "not in a group that may use octo" });
      await alert.waitFor({ timeout: T });
      await screenshot(page, `${vp.name}-sso-denied`);
      await ctx.close();
    });
  });
}

describe("the admin's side", () => {
  test("password sign-in off: the form hides behind 'Admin sign-in'; admins link accounts", async () => {
    const ctx = await browser.newContext({ viewport: VIEWPORTS[0] });
    const page = await ctx.newPage();
    const errors = watchErrors(page);
    const localId = await addUser(s.admin, "olga", "olga-password");
    await page.goto(`${s.t.url}/login`);
    await page.getByLabel("User name").fill(s.t.admin.username);
    await page.getByLabel("Password").fill(s.t.admin.password);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.waitForURL("**/projects", { timeout: T });
    await page.goto(`${s.t.url}/admin/users`);
    const row = page.locator('[data-user="olga"]');
    await row.waitFor({ timeout: T });

    // Link olga to her identity at the provider.
    await row.getByRole("button", { name: "Link olga to single sign-on" }).click();
    const dialog = page.getByRole("dialog", { name: "Link olga to single sign-on" });
    await dialog.getByLabel("Subject (sub)").fill("sub-olga");
    await screenshot(page, "desktop-sso-link-dialog");
    await dialog.getByRole("button", { name: "Link account" }).click();
    await row.getByText("SSO: corp").waitFor({ timeout: T });
    const ids = (await s.admin.get("/api/admin/identities")).body as {
      identities: { user_id: string; subject: string }[];
    };
    expect(ids.identities.find((i) => i.subject === "sub-olga")?.user_id).toBe(localId);

    // Password sign-in for admins only.
    const saved = page.waitForResponse(
      (r) => r.url().endsWith("/api/admin/sign-in") && r.request().method() === "PUT",
      { timeout: T },
    );
    await page.getByLabel("Password sign-in").selectOption("admins");
    expect((await saved).status()).toBe(200);
    expect((await s.admin.get("/api/admin/sign-in")).body).toEqual({ local_sign_in: "admins" });
    await screenshot(page, "desktop-sso-admin-users");
    expect(await pageErrors(page, errors)).toEqual([]);

    const guest = await (await browser.newContext({ viewport: VIEWPORTS[1] })).newPage();
    await guest.goto(`${s.t.url}/login`);
    await guest.getByRole("link", { name: "Sign in with Corp ID" }).waitFor({ timeout: T });
    expect(await guest.getByLabel("User name").count()).toBe(0);
    await screenshot(guest, "phone-sso-local-off");
    await guest.getByRole("button", { name: "Admin sign-in" }).click();
    await guest.getByLabel("User name").fill("olga");
    await guest.getByLabel("Password").fill("olga-password");
    await guest.getByRole("button", { name: "Sign in", exact: true }).click();
    await guest.getByRole("alert").filter({ hasText: "turned off" }).waitFor({ timeout: T });
    await screenshot(guest, "phone-sso-local-refused");
    // Olga signs in through the provider instead, into her own account.
    s.idp.accounts.set("sub-olga", { preferred_username: "olga.k", groups: ["octo-users"] });
    await guest.getByRole("link", { name: "Sign in with Corp ID" }).click();
    await atProvider(guest, "sub-olga");
    await guest.waitForURL(`${s.t.url}/projects`, { timeout: T });
    const me = await guest.evaluate(async () => (await fetch("/api/auth/me")).json());
    expect(me.user.id).toBe(localId);

    // The admin's page at phone width: the extra button and badge fit, nothing scrolls sideways.
    const phone = await (await browser.newContext({ viewport: VIEWPORTS[1] })).newPage();
    await phone.goto(`${s.t.url}/login`);
    await phone.getByRole("button", { name: "Admin sign-in" }).click();
    await phone.getByLabel("User name").fill(s.t.admin.username);
    await phone.getByLabel("Password").fill(s.t.admin.password);
    await phone.getByRole("button", { name: "Sign in", exact: true }).click();
    await phone.waitForURL("**/projects", { timeout: T });
    await phone.goto(`${s.t.url}/admin/users`);
    await phone.locator('[data-user="olga"]').getByText("SSO: corp").waitFor({ timeout: T });
    await screenshot(phone, "phone-sso-admin-users");
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await s.admin.request("PUT", "/api/admin/sign-in", { body: { local_sign_in: "everyone" } });
    await ctx.close();
  });
});

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Browser, Page } from "rebrowser-playwright";
import { startTestServer, type TestServer } from "../http/harness.ts";
import {
  ensureUiBuilt,
  launchChromium,
  pageErrors,
  screenshot,
  VIEWPORTS,
  type Viewport,
  watchErrors,
} from "./browser.ts";

/**
 * Accounts in a real browser against the real server from source: sign in as the first admin,
 * invite, sign up as a second user in another browser context, sign out — at desktop and phone width.
 */

let srv: TestServer;
let browser: Browser;

beforeAll(async () => {
  await ensureUiBuilt();
  srv = await startTestServer();
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await srv?.stop();
});

const T = 15_000;

async function signIn(page: Page, username: string, password: string) {
  await page.getByLabel("User name").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** Admin pages: the sidebar on desktop; on a phone, the bottom bar's Admin tab, then the sub-tab. */
async function openAdmin(page: Page, vp: Viewport, section: "Users" | "Invites" | "Status") {
  if (vp.name === "phone") {
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Admin" }).click();
    await page.getByRole("navigation", { name: "Admin" }).getByRole("link", { name: section }).click();
  } else {
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: section }).click();
  }
  await page.waitForURL(`**/admin/${section.toLowerCase()}`, { timeout: T });
}

for (const vp of VIEWPORTS) {
  describe(`accounts at ${vp.name} width (${vp.width}px)`, () => {
    test("admin signs in, invites a second user who signs up and signs out", async () => {
      const theme = vp.name === "phone" ? "dark" : "light";
      const adminCtx = await browser.newContext({ viewport: vp, colorScheme: theme });
      const admin = await adminCtx.newPage();
      const adminErrors = watchErrors(admin);

      // A stranger is sent to sign in, and comes back where they wanted to go.
      await admin.goto(`${srv.url}/admin/users`);
      await admin.waitForURL(/\/login\?next=%2Fadmin%2Fusers$/, { timeout: T });
      await admin.getByRole("heading", { name: "Sign in" }).waitFor({ timeout: T });
      await screenshot(admin, `${vp.name}-login`);

      // Wrong password: a clear message, still on the sign-in page.
      await signIn(admin, srv.admin.username, "not-the-password");
      await admin
        .getByRole("alert")
        .filter({ hasText: "Wrong user name or password." })
        .waitFor({ timeout: T });
      expect(admin.url()).toContain("/login");

      await signIn(admin, srv.admin.username, srv.admin.password);
      await admin.waitForURL("**/admin/users", { timeout: T });
      await admin.getByRole("list", { name: "Users" }).getByText(srv.admin.username).waitFor({ timeout: T });
      await screenshot(admin, `${vp.name}-admin-users`);

      // Invite with a note, 1 use; the dialog shows the link once created.
      await openAdmin(admin, vp, "Invites");
      await admin.getByRole("button", { name: "New invite" }).click();
      const dialog = admin.getByRole("dialog", { name: "New invite" });
      // The dialog says what an invited person gets in this mode.
      expect(await dialog.getByTestId("invite-isolation").textContent()).toContain(
        "project folders of their own",
      );
      await dialog.getByLabel("Note").fill(`for ${vp.name} tester`);
      await screenshot(admin, `${vp.name}-invite-dialog`);
      await dialog.getByRole("button", { name: "Create invite" }).click();
      const linkEl = admin.getByTestId("invite-link");
      await linkEl.waitFor({ timeout: T });
      const link = (await linkEl.textContent()) ?? "";
      expect(link).toStartWith(`${srv.url}/signup?code=`);
      await screenshot(admin, `${vp.name}-invite-created`);
      await admin.getByRole("button", { name: "Done" }).click();
      const row = admin.getByRole("listitem").filter({ hasText: `for ${vp.name} tester` });
      await row.getByText("usable").waitFor({ timeout: T });
      await screenshot(admin, `${vp.name}-invites`);

      // The invitee, in a browser of their own, opens the link: the code is filled in.
      const guestCtx = await browser.newContext({ viewport: vp, colorScheme: theme });
      const guest = await guestCtx.newPage();
      const guestErrors = watchErrors(guest);
      await guest.goto(link);
      await guest.getByRole("heading", { name: "Create your account" }).waitFor({ timeout: T });
      const code = new URL(link).searchParams.get("code");
      expect(await guest.getByLabel("Invite code").inputValue()).toBe(code ?? "missing");

      // Bad input is caught before the round trip and says what is wrong.
      const username = `bob_${vp.name}`;
      await guest.getByLabel("User name").fill("Bob Smith");
      await guest.getByLabel("Password", { exact: true }).fill("short");
      await guest.getByRole("button", { name: "Create account" }).click();
      await guest.getByText("a user name is 1-31 characters").waitFor({ timeout: T });
      await guest.getByText("a password has at least 8 characters").waitFor({ timeout: T });
      await screenshot(guest, `${vp.name}-signup-errors`);

      await guest.getByLabel("User name").fill(username);
      await guest.getByLabel("Password", { exact: true }).fill("correct horse battery");
      await guest.getByLabel("Repeat password").fill("correct horse battery");
      await guest.getByRole("button", { name: "Create account" }).click();
      await guest.waitForURL("**/projects", { timeout: T });
      await guest.getByRole("heading", { name: "Projects" }).waitFor({ timeout: T });
      // A plain user sees no admin area.
      expect(await guest.getByRole("link", { name: /^(Admin|Users)$/ }).count()).toBe(0);
      await screenshot(guest, `${vp.name}-projects-new-user`);

      // The invite is used up now.
      await admin.reload();
      await admin
        .getByRole("listitem")
        .filter({ hasText: `for ${vp.name} tester` })
        .getByText("used up")
        .waitFor({
          timeout: T,
        });

      // Sign out: back to sign-in, and the session is really gone.
      await guest.getByRole("button", { name: "Sign out" }).click();
      await guest.waitForURL("**/login", { timeout: T });
      await guest.goto(`${srv.url}/account`);
      await guest.waitForURL(/\/login\?next=%2Faccount$/, { timeout: T });

      // The admin sees the new user.
      await openAdmin(admin, vp, "Users");
      await admin.getByRole("list", { name: "Users" }).getByText(username).waitFor({ timeout: T });

      expect(await pageErrors(admin, adminErrors)).toEqual([]);
      expect(await pageErrors(guest, guestErrors)).toEqual([]);
      await guestCtx.close();
      await adminCtx.close();
    }, 60_000);

    test("account: create an API key (shown once, copyable) and revoke it; keyboard shortcuts", async () => {
      const ctx = await browser.newContext({ viewport: vp });
      const page = await ctx.newPage();
      const errors = watchErrors(page);
      await page.goto(`${srv.url}/account`);
      await signIn(page, srv.admin.username, srv.admin.password);
      await page.waitForURL("**/account", { timeout: T });

      await page.getByRole("button", { name: "New key" }).click();
      const dialog = page.getByRole("dialog");
      await dialog.getByLabel("Name").fill(`ci ${vp.name}`);
      await dialog.getByRole("button", { name: "Create key" }).click();
      const secret = page.getByTestId("api-key-secret");
      await secret.waitFor({ timeout: T });
      const key = (await secret.locator("code").textContent()) ?? "";
      expect(key.length).toBeGreaterThan(20);
      await screenshot(page, `${vp.name}-api-key-created`);

      // The secret really works as a Bearer token.
      const me = await fetch(`${srv.url}/api/auth/me`, { headers: { authorization: `Bearer ${key}` } });
      expect(me.status).toBe(200);

      await dialog.getByRole("button", { name: "Done" }).click();
      await dialog.waitFor({ state: "detached", timeout: T });
      await page.getByRole("list", { name: "API keys" }).getByText(`ci ${vp.name}`).waitFor({ timeout: T });
      await page.getByRole("button", { name: `Revoke key ci ${vp.name}` }).click();
      await page.getByRole("dialog").getByRole("button", { name: "Revoke key" }).click();
      await page.getByRole("list", { name: "API keys" }).waitFor({ state: "detached", timeout: T });
      const after = await fetch(`${srv.url}/api/auth/me`, { headers: { authorization: `Bearer ${key}` } });
      expect(after.status).toBe(401);

      // Unknown addresses say so plainly, inside the app frame.
      await page.goto(`${srv.url}/projects/prj_0000000000000000000000000000/chat`);
      await page.getByRole("heading", { name: "Project not found" }).waitFor({ timeout: T });
      await page.goto(`${srv.url}/no/such/page`);
      await page.getByRole("heading", { name: "Not found" }).waitFor({ timeout: T });
      await page.getByRole("link", { name: "Back to projects" }).click();
      await page.waitForURL("**/projects", { timeout: T });

      // "?" lists the shortcuts; Escape closes; "g p" goes to projects; "t" flips the theme.
      await page.locator("body").press("?");
      await page.getByRole("dialog", { name: "Keyboard shortcuts" }).waitFor({ timeout: T });
      await page.keyboard.press("Escape");
      await page
        .getByRole("dialog", { name: "Keyboard shortcuts" })
        .waitFor({ state: "detached", timeout: T });
      await page.keyboard.press("g");
      await page.keyboard.press("p");
      await page.waitForURL("**/projects", { timeout: T });
      const before = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      await page.keyboard.press("t");
      await page.waitForFunction((bg) => getComputedStyle(document.body).backgroundColor !== bg, before, {
        timeout: T,
      });
      await screenshot(page, `${vp.name}-projects-dark`);
      expect(await pageErrors(page, errors)).toEqual([]);
      await ctx.close();
    }, 60_000);
  });
}

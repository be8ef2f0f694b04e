import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Browser, Page } from "rebrowser-playwright";
import { Client } from "../http/client.ts";
import { startTestServer, type TestServer } from "../http/harness.ts";
import { stopLocalRunner } from "../terminals/harness.ts";
import { seriousViolations } from "./axe.ts";
import { ensureUiBuilt, launchChromium, pageErrors, VIEWPORTS, watchErrors } from "./browser.ts";

/**
 * axe-core over every page of the app at desktop and phone width: no serious or critical violation.
 * The context bypasses the page's CSP only so the test can inject axe itself.
 */

const T = 30_000;
let srv: TestServer;
let browser: Browser;
let projectId = "";

beforeAll(async () => {
  await ensureUiBuilt();
  srv = await startTestServer();
  const admin = new Client(srv.url);
  await admin.login(srv.admin.username, srv.admin.password);
  const made = await admin.post<{ project: { id: string } }>("/api/projects", { name: "axe" });
  projectId = made.body.project.id;
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  const socketDir = srv.server.ctx.config.paths.socketDir;
  await srv?.stop();
  stopLocalRunner(socketDir);
});

interface Check {
  name: string;
  path: string;
  /** Resolves once the page shows what it is for. */
  ready: (page: Page) => Promise<unknown>;
}

const heading = (name: string | RegExp) => (page: Page) =>
  page.getByRole("heading", { name }).first().waitFor({ timeout: T });

const SIGNED_OUT: Check[] = [
  { name: "sign in", path: "/login", ready: heading("Sign in") },
  { name: "sign up", path: "/signup", ready: heading("Create your account") },
];

const signedInPages = (): Check[] => [
  { name: "projects", path: "/projects", ready: heading("Projects") },
  {
    name: "new project dialog",
    path: "/projects",
    ready: async (page) => {
      await heading("Projects")(page);
      await page.getByRole("button", { name: "New project" }).first().click();
      await page
        .getByRole("dialog", { name: "New project" })
        .locator("[data-profile]")
        .first()
        .waitFor({ timeout: T });
    },
  },
  { name: "account", path: "/account", ready: heading("Account") },
  {
    name: "admin users",
    path: "/admin/users",
    ready: (p) => p.locator("[data-user]").first().waitFor({ timeout: T }),
  },
  { name: "admin invites", path: "/admin/invites", ready: heading("Admin") },
  {
    name: "admin models",
    path: "/admin/models",
    ready: (p) => p.getByText("No LLM provider yet").waitFor({ timeout: T }),
  },
  { name: "admin settings", path: "/admin/settings", ready: heading("Web search for agents") },
  { name: "admin status", path: "/admin/status", ready: heading("Runners") },
  { name: "chat", path: `/projects/${projectId}/chat`, ready: heading("What should the agent do?") },
  {
    name: "files",
    path: `/projects/${projectId}/files`,
    ready: (p) => p.getByRole("treeitem", { name: "AGENTS.md" }).first().waitFor({ timeout: T }),
  },
  {
    name: "terminal",
    path: `/projects/${projectId}/terminal`,
    ready: (p) => p.locator(".term-screen canvas").first().waitFor({ timeout: T }),
  },
  {
    name: "settings",
    path: `/projects/${projectId}/settings`,
    ready: (p) =>
      p
        .getByRole("group", { name: "Sandbox profile" })
        .locator("[data-profile]")
        .first()
        .waitFor({ timeout: T }),
  },
  { name: "not found", path: "/nowhere", ready: heading(/not found/i) },
];

async function audit(page: Page, checks: Check[], vpName: string): Promise<string[]> {
  const found: string[] = [];
  for (const c of checks) {
    await page.goto(`${srv.url}${c.path}`);
    await c.ready(page);
    for (const v of await seriousViolations(page))
      found.push(`${vpName} ${c.name}: ${v.id} (${v.impact}) ${v.help} — ${v.targets.join(", ")}`);
  }
  return found;
}

for (const vp of VIEWPORTS) {
  test(`no serious or critical axe violation on any page (${vp.name}, ${vp.width}px)`, async () => {
    const ctx = await browser.newContext({
      viewport: vp,
      colorScheme: vp.name === "phone" ? "dark" : "light",
      bypassCSP: true,
      hasTouch: vp.name === "phone",
    });
    const page = await ctx.newPage();
    const errors = watchErrors(page);
    const found = await audit(page, SIGNED_OUT, vp.name);
    await page.goto(`${srv.url}/login`);
    await page.getByLabel("User name").fill(srv.admin.username);
    await page.getByLabel("Password").fill(srv.admin.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL("**/projects", { timeout: T });
    found.push(...(await audit(page, signedInPages(), vp.name)));
    expect(found).toEqual([]);
    expect(await pageErrors(page, errors)).toEqual([]);
    await ctx.close();
  }, 180_000);
}

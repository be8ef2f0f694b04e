import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import type { Browser } from "rebrowser-playwright";
import { CONTENT_SECURITY_POLICY } from "../../src/http/security-headers.ts";
import { startTestServer, type TestServer } from "../http/harness.ts";
import { stopLocalRunner } from "../terminals/harness.ts";
import { ensureUiBuilt, launchChromium, pageErrors, screenshot, signedIn, VIEWPORTS } from "./browser.ts";

/**
 * The Content-Security-Policy against the real built UI: the headers on `/`, a client route and an
 * asset; and in real Chromium, the app signs in, opens a project's chat, files and terminal
 * (ghostty-web's WebAssembly) with no CSP violation reported.
 */
setDefaultTimeout(120_000);
let srv: TestServer;
let browser: Browser;
const T = 30_000;

beforeAll(async () => {
  await ensureUiBuilt();
  srv = await startTestServer();
  browser = await launchChromium({ enforceCsp: true });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  const socketDir = srv?.server.ctx.config.paths.socketDir;
  await srv?.stop();
  if (socketDir) stopLocalRunner(socketDir);
});

test("/, a client route and an asset carry the CSP, nosniff and no-referrer", async () => {
  const index = await fetch(`${srv.url}/`);
  const html = await index.text();
  const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
  expect(asset).toBeDefined();
  // No inline script in the page: every <script> has a src.
  expect(html.match(/<script(?![^>]*\ssrc=)[^>]*>/g) ?? []).toEqual([]);
  for (const path of ["/", "/projects/prj_0000/chat", asset as string, "/missing.js"]) {
    const r = await fetch(`${srv.url}${path}`);
    expect(r.headers.get("content-security-policy")).toBe(CONTENT_SECURITY_POLICY);
    expect(r.headers.get("x-content-type-options")).toBe("nosniff");
    expect(r.headers.get("referrer-policy")).toBe("no-referrer");
  }
  const csp = CONTENT_SECURITY_POLICY;
  for (const directive of [
    "default-src 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "object-src 'none'",
  ])
    expect(csp).toContain(directive);
  expect(csp).not.toMatch(/script-src[^;]*'unsafe-inline'/);
});

test("the app loads, and a project's chat, files and terminal run with no CSP violation", async () => {
  const { ctx, page, errors } = await signedIn(
    browser,
    srv.url,
    VIEWPORTS[0],
    srv.admin.username,
    srv.admin.password,
  );
  // Recorded by the page itself (rebrowser-playwright's exposed bindings are not reliable).
  await page.addInitScript(() => {
    const w = window as unknown as { __csp: string[] };
    w.__csp = [];
    document.addEventListener("securitypolicyviolation", (e) =>
      w.__csp.push(`${e.violatedDirective} ${e.blockedURI.slice(0, 60)} ${e.sourceFile}:${e.lineNumber}`),
    );
  });
  const violations = () => page.evaluate(() => (window as unknown as { __csp?: string[] }).__csp ?? []);
  await page.reload();
  await page.getByRole("heading", { name: "Projects" }).waitFor({ timeout: T });
  await page.getByRole("button", { name: "New project" }).first().click();
  await page.getByLabel("Name").fill("csp");
  await page.getByRole("button", { name: "Create project" }).click();
  await page.waitForURL(/\/projects\/prj_[0-9a-f]+/, { timeout: T });
  await page.getByRole("tab", { name: "Files" }).click();
  await page.getByRole("tab", { name: "Terminal" }).click();
  await page
    .locator(".term-screen:not([hidden]) canvas")
    .first()
    .waitFor({ timeout: T })
    .catch(async (e) => {
      await screenshot(page, "csp-terminal-failure");
      const seen = (await violations()).join("\n");
      throw new Error(`${e.message}\nCSP violations: ${seen}\nerrors: ${errors.join("\n").slice(0, 2000)}`);
    });
  await screenshot(page, "csp-terminal");
  expect(await violations()).toEqual([]);
  // Chromium also reports a blocked resource as a console error ("Refused to …").
  expect(
    (await pageErrors(page, errors)).filter((e) => /Content Security Policy|Refused to/.test(e)),
  ).toEqual([]);
  await ctx.close();
});

import { mkdirSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "rebrowser-playwright";

/** Shared set-up for the UI end-to-end tests: a fresh UI build, real Chromium, screenshots. */

const ROOT = join(import.meta.dir, "..", "..");
export const SCREENS = join(ROOT, "test", ".artifacts", "screens");

export const VIEWPORTS = [
  { name: "desktop", width: 1280, height: 820 },
  { name: "phone", width: 375, height: 740 },
] as const;
export type Viewport = (typeof VIEWPORTS)[number];

function newestMtime(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, name)));
  return newest;
}

/** Build ui/dist when any UI or protocol source is newer than the last build (the server lists it at start). */
export async function ensureUiBuilt(): Promise<void> {
  const index = join(ROOT, "ui", "dist", "index.html");
  let built = 0;
  try {
    built = statSync(index).mtimeMs;
  } catch {}
  const inputs = [
    join(ROOT, "ui", "src"),
    join(ROOT, "ui", "public"),
    join(ROOT, "ui", "index.html"),
    join(ROOT, "src", "protocol"),
  ];
  if (built > Math.max(...inputs.map(newestMtime), statSync(join(ROOT, "ui", "vite.config.ts")).mtimeMs))
    return;
  const proc = Bun.spawn(
    [
      process.execPath,
      join(ROOT, "node_modules", "vite", "bin", "vite.js"),
      "build",
      "--config",
      "ui/vite.config.ts",
    ],
    // bun test sets NODE_ENV=test, which would make Vite bundle Solid's development build.
    { cwd: ROOT, stdout: "pipe", stderr: "pipe", env: { ...process.env, NODE_ENV: "production" } },
  );
  const [code, err] = await Promise.all([proc.exited, new Response(proc.stderr).text()]);
  if (code !== 0) throw new Error(`vite build failed (${code}): ${err}`);
}

/**
 * Headless Chromium for UI tests. Pages run under the server's real Content-Security-Policy only
 * with `enforceCsp` (test/ui/csp.test.ts): Playwright's own `waitForFunction` polls by evaluating
 * strings in the page, which that policy rightly refuses, so the other tests bypass it.
 */
export async function launchChromium(opts: { enforceCsp?: boolean; args?: string[] } = {}): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      ...(opts.args ?? []),
    ],
  });
  if (!opts.enforceCsp) {
    const newContext = browser.newContext.bind(browser);
    const newPage = browser.newPage.bind(browser);
    browser.newContext = (options = {}) => newContext({ bypassCSP: true, ...options });
    browser.newPage = (options = {}) => newPage({ bypassCSP: true, ...options });
  }
  return browser;
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENS, { recursive: true });
  await page.screenshot({ path: join(SCREENS, `${name}.png`), fullPage: true });
}

/**
 * Collects uncaught page errors and console errors, so a broken screen fails the test. rebrowser-playwright
 * does not report unhandled promise rejections, so the page records those itself (see `pageErrors`).
 */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  void page.addInitScript(() => {
    const w = window as unknown as { __octoErrors: string[] };
    w.__octoErrors = [];
    window.addEventListener("unhandledrejection", (e) =>
      w.__octoErrors.push(`unhandled rejection: ${e.reason}`),
    );
    window.addEventListener("error", (e) => w.__octoErrors.push(`error: ${e.message}`));
  });
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    // Failed fetches (401 before sign-in, 404 for routes not built yet) are expected answers, not bugs.
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource"))
      errors.push(`console: ${m.text()}`);
  });
  return errors;
}

/** Errors the page recorded itself (unhandled rejections, uncaught errors) plus those `watchErrors` saw. */
export async function pageErrors(page: Page, seen: string[]): Promise<string[]> {
  const own = await page.evaluate(
    () => (window as unknown as { __octoErrors?: string[] }).__octoErrors ?? [],
  );
  // rebrowser-playwright's own injected helpers (random `self.<id>` bindings) sometimes throw; not ours.
  return [...seen, ...own].filter((e) => !/self\.\w+ is not a function/.test(e));
}

/**
 * A fresh browser context at `vp` (dark on the phone, light on the desktop, so both themes get
 * screenshots), signed in through the real login form; resolves once the projects page is shown.
 */
export async function signedIn(
  browser: Browser,
  baseUrl: string,
  vp: Viewport,
  username: string,
  password: string,
  timeout = 60_000,
) {
  const ctx = await browser.newContext({ viewport: vp, colorScheme: vp.name === "phone" ? "dark" : "light" });
  const page = await ctx.newPage();
  const errors = watchErrors(page);
  await page.goto(`${baseUrl}/login`);
  await page.getByLabel("User name").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL("**/projects", { timeout });
  // The signed-in shell loads lazily: wait until it shows (and listens for shortcuts).
  await page.getByRole("heading", { name: "Projects" }).waitFor({ timeout });
  return { ctx, page, errors };
}

import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "rebrowser-playwright";
import { startTestServer, type TestServer } from "../http/harness.ts";
import { launchChromium, pageErrors, screenshot, VIEWPORTS, watchErrors } from "../ui/browser.ts";
import { login, makeProject, stopLocalRunner } from "./harness.ts";

/**
 * The terminal view in real Chromium: ghostty-web on the test page (test/terminals/page), talking
 * over the mux socket to the real server, runner and sandbox. The page is served from another
 * port of 127.0.0.1 that the server's Origin allow-list admits; the session cookie is the admin's.
 */
setDefaultTimeout(120_000);
const ROOT = join(import.meta.dir, "..", "..");
const outDir = mkdtempSync(join(tmpdir(), "octo-term-page-"));
let pages: ReturnType<typeof Bun.serve>;
let t: TestServer;
let browser: Browser;
let cookie = "";
let projectId = "";
let userId = "";

beforeAll(async () => {
  const build = Bun.spawn(
    [
      process.execPath,
      join(ROOT, "node_modules/vite/bin/vite.js"),
      "build",
      "--config",
      "test/terminals/page/vite.config.ts",
      "--outDir",
      outDir,
    ],
    { cwd: ROOT, stdout: "pipe", stderr: "pipe", env: { ...process.env, NODE_ENV: "production" } },
  );
  const [code, err] = await Promise.all([build.exited, new Response(build.stderr).text()]);
  if (code !== 0) throw new Error(`page build failed: ${err}`);
  pages = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(req) {
      const path = new URL(req.url).pathname;
      const file = Bun.file(join(outDir, path === "/" ? "index.html" : path.replace(/\.\./g, "")));
      return file.size > 0 ? new Response(file) : new Response("not found", { status: 404 });
    },
  });
  t = await startTestServer(`[auth]\nallowed_origins = ["http://127.0.0.1:${pages.port}"]\n`);
  const admin = await login(t.url, t.admin.username, t.admin.password);
  const me = await admin.get<{ user: { id: string } }>("/api/auth/me");
  cookie = admin.cookie ?? "";
  userId = me.body.user.id;
  projectId = makeProject(t.server, userId, "ui-term").id;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  pages?.stop(true);
  const socketDir = t.server.ctx.config.paths.socketDir;
  await t.server.stop();
  stopLocalRunner(socketDir);
  rmSync(t.home, { recursive: true, force: true });
  rmSync(outDir, { recursive: true, force: true });
});

const screenLines = (page: Page) =>
  page.evaluate(() => {
    const screens = (window as unknown as { __screens: Record<string, () => string> }).__screens;
    return Object.fromEntries(Object.entries(screens).map(([id, text]) => [id, text().split("\n")]));
  });

async function waitForLine(page: Page, pattern: RegExp, ms = 20_000) {
  await waitForLineOnly(page, pattern, ms).catch(async (e) => {
    await screenshot(page, "terminal-failure");
    const html = await page.evaluate(() => (document.body.textContent ?? "").slice(0, 500));
    throw new Error(
      `${e.message}\nscreens: ${JSON.stringify(await screenLines(page)).slice(0, 1500)}\npage: ${html}`,
    );
  });
}

async function waitForLineOnly(page: Page, pattern: RegExp, ms: number) {
  await page.waitForFunction(
    (source) => {
      const re = new RegExp(source);
      const screens = (window as unknown as { __screens: Record<string, () => string> }).__screens;
      return Object.values(screens ?? {}).some((text) =>
        text()
          .split("\n")
          .some((l) => re.test(l)),
      );
    },
    pattern.source,
    { timeout: ms, polling: 50 },
  );
}

test("the main bundle of the page does not carry ghostty-web", () => {
  const manifest = JSON.parse(readFileSync(join(outDir, ".vite", "manifest.json"), "utf8")) as Record<
    string,
    { file: string; isEntry?: boolean; dynamicImports?: string[] }
  >;
  const entry = Object.values(manifest).find((m) => m.isEntry);
  const main = readFileSync(join(outDir, entry?.file ?? ""), "utf8");
  expect(main).not.toContain("ghostty");
  expect(entry?.dynamicImports?.length).toBeGreaterThan(0);
});

for (const vp of VIEWPORTS) {
  test(`type into the terminal and see the output (${vp.name}, ${vp.width}px)`, async () => {
    const context = await browser.newContext({
      viewport: { width: vp.width, height: vp.height },
      hasTouch: vp.name === "phone",
    });
    await context.addCookies([{ name: "octo_session", value: cookie, domain: "127.0.0.1", path: "/" }]);
    const page = await context.newPage();
    const errors = watchErrors(page);
    const ws = `${t.url.replace(/^http/, "ws")}/api/ws/mux`;
    await page.goto(`http://127.0.0.1:${pages.port}/?ws=${encodeURIComponent(ws)}&project=${projectId}`);
    await waitForLine(page, /@octo:\/workspace[#$]$/);
    await page.locator(".term-screen:not([hidden])").click();
    await page.keyboard.type(`echo "h""i-${vp.name}"`);
    await page.keyboard.press("Enter");
    await waitForLine(page, new RegExp(`^hi-${vp.name}$`));

    // Fit-to-container: the shell sees the size of the screen it is drawn on.
    // (The phone reuses the desktop's shell: it is the same project, so the marker names the viewport.)
    await page.keyboard.type(`echo "si""ze-${vp.name}=$(stty size)"`);
    await page.keyboard.press("Enter");
    const sizeRe = new RegExp(`^size-${vp.name}=\\d+ \\d+$`);
    await waitForLine(page, sizeRe);
    const sizeLine = Object.values(await screenLines(page))
      .flat()
      .find((l) => sizeRe.test(l)) as string;
    const cols = Number(sizeLine.split(" ")[1]);
    if (vp.name === "phone") expect(cols).toBeLessThan(60);
    else expect(cols).toBeGreaterThan(100);

    const keys = page.getByRole("toolbar", { name: "Extra keys" });
    if (vp.name === "phone") {
      // The key bar's sticky Ctrl turns the next key into Ctrl-C.
      await expect(keys.isVisible()).resolves.toBe(true);
      await page.keyboard.type("sleep 100");
      await page.keyboard.press("Enter");
      await page.getByRole("button", { name: /^Ctrl/ }).click();
      await page.locator(".term-screen:not([hidden])").click();
      await page.keyboard.type("c");
      await page.keyboard.type('echo "ctrl-c=$?"');
      await page.keyboard.press("Enter");
      await waitForLine(page, /^ctrl-c=130$/);
    } else {
      await expect(keys.isVisible()).resolves.toBe(false);
    }
    await screenshot(page, `terminal-${vp.name}`);

    // Reload: the view lists the running shell and re-attaches; the scrollback comes back.
    await page.reload();
    await waitForLine(page, new RegExp(`^hi-${vp.name}$`));
    expect(await pageErrors(page, errors)).toEqual([]);
    await context.close();
  });
}

/** A desktop page on a fresh project's first shell, focused and at its prompt. */
async function freshShell(name: string) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 820 } });
  await context.addCookies([{ name: "octo_session", value: cookie, domain: "127.0.0.1", path: "/" }]);
  const page = await context.newPage();
  const errors = watchErrors(page);
  const project = makeProject(t.server, userId, name).id;
  const ws = `${t.url.replace(/^http/, "ws")}/api/ws/mux`;
  await page.goto(`http://127.0.0.1:${pages.port}/?ws=${encodeURIComponent(ws)}&project=${project}`);
  await waitForLine(page, /@octo:\/workspace[#$]$/);
  await page.locator(".term-screen:not([hidden])").click();
  return { context, page, errors };
}

async function lineMatching(page: Page, pattern: RegExp): Promise<string> {
  await waitForLine(page, pattern);
  return Object.values(await screenLines(page))
    .flat()
    .find((l) => pattern.test(l)) as string;
}

test("replayed terminal queries are not answered again: a reload types nothing into the shell", async () => {
  const { context, page, errors } = await freshShell("term-replay");
  // Live, the emulator answers the cursor-position (DSR 6) and device-attributes (DA) queries; the
  // shell reads those answers away. From then on, everything typed goes to a capture file.
  await page.keyboard.type(`printf '\\033[6n\\033[c'; read -rs -t 2 -d c _; echo "que""ried"`);
  await page.keyboard.press("Enter");
  await waitForLine(page, /^queried$/);
  // The marker shows the command has reached the shell before the page goes away.
  await page.keyboard.type(`echo "cap""turing"; cat -v > /tmp/cap`);
  await page.keyboard.press("Enter");
  await waitForLine(page, /^capturing$/);

  // The reload replays the scrollback, queries included; their answers must not reach the shell.
  await page.reload();
  await waitForLine(page, /^queried$/);
  await page.locator(".term-screen:not([hidden])").click();
  await page.keyboard.type("typed");
  await page.keyboard.press("Enter");
  await page.keyboard.press("Control+D");
  await page.keyboard.type(`echo "cap=$(cat /tmp/cap)"`);
  await page.keyboard.press("Enter");
  expect(await lineMatching(page, /^cap=/)).toBe("cap=typed");
  expect(await pageErrors(page, errors)).toEqual([]);
  await context.close();
});

test("text from an IME, dictation or a phone keyboard reaches the shell; Alt is Meta", async () => {
  const { context, page, errors } = await freshShell("term-ime");
  const cdp = await context.newCDPSession(page);
  // An IME composes, then commits (ü✓日本); a dead key composes ü before plain typing goes on.
  await page.keyboard.type(`echo "ime=`);
  await cdp.send("Input.imeSetComposition", { text: "にほ", selectionStart: 2, selectionEnd: 2 });
  await cdp.send("Input.imeSetComposition", { text: "日本", selectionStart: 2, selectionEnd: 2 });
  await cdp.send("Input.insertText", { text: "ü✓日本" });
  await cdp.send("Input.imeSetComposition", { text: "¨", selectionStart: 1, selectionEnd: 1 });
  await cdp.send("Input.insertText", { text: "ü" });
  await page.keyboard.type("mlaut");
  // Dictation and phone keyboards insert text with no key events at all.
  await cdp.send("Input.insertText", { text: " said" });
  await page.keyboard.type(`"`);
  await page.keyboard.press("Enter");
  expect(await lineMatching(page, /^ime=/)).toBe("ime=ü✓日本ümlaut said");

  // Alt+b is readline's backward-word (ESC b): the X lands before the last word.
  await page.keyboard.type(`echo "alt=one two"`);
  await page.keyboard.press("Alt+b");
  await page.keyboard.type("X");
  await page.keyboard.press("Enter");
  expect(await lineMatching(page, /^alt=/)).toBe("alt=one Xtwo");
  expect(await pageErrors(page, errors)).toEqual([]);
  await context.close();
});

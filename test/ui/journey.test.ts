import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import type { Browser, BrowserContext, Page } from "rebrowser-playwright";
import { type CompiledWorld, startCompiledWorld } from "../build/compiled-world.ts";
import { launchChromium, pageErrors, screenshot, VIEWPORTS, type Viewport, watchErrors } from "./browser.ts";

/**
 * One person's whole journey in real Chromium against the compiled `dist/bin/octo` (embedded UI,
 * detached runner, sandbox, pi), the scripted LLM fixture as its provider: the first admin signs
 * in with the password the server printed, invites; the invitee signs up, makes a project, chats
 * (a bash tool call), edits the file the agent wrote and has the agent read the edit back, uses the
 * terminal and resizes it; the admin cannot open that project. At desktop and phone width.
 */

setDefaultTimeout(360_000);
const T = 60_000;
/** The first message creates the conversation and waits for its agent: tens of seconds on a loaded machine. */
const START = 240_000;
let w: CompiledWorld;
let browser: Browser;

beforeAll(async () => {
  w = await startCompiledWorld();
  browser = await launchChromium();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await w?.stop();
});

async function newPage(vp: Viewport, size = { width: vp.width, height: vp.height }) {
  const ctx = await browser.newContext({
    viewport: size,
    colorScheme: vp.name === "phone" ? "dark" : "light",
    hasTouch: vp.name === "phone",
    // Copying (the invite link, a terminal selection) is how this person moves text around.
    permissions: ["clipboard-read", "clipboard-write"],
  });
  const page = await ctx.newPage();
  return { ctx, page, errors: watchErrors(page) };
}

async function signIn(page: Page, username: string, password: string) {
  await page.goto(`${w.url}/login`);
  await page.getByLabel("User name").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL("**/projects", { timeout: T });
}

const clipboard = (page: Page) => page.evaluate(() => navigator.clipboard.readText());
const composer = (page: Page) => page.getByLabel("Message", { exact: true });

async function send(page: Page, text: string) {
  await composer(page).fill(text);
  await composer(page).press("Enter");
}

/** What the visible terminal shows, read as a person would: drag-select the screen (it copies). */
async function terminalLines(page: Page): Promise<string[]> {
  const canvas = page.locator(".term-screen:not([hidden]) canvas").first();
  const box = await canvas.boundingBox();
  if (!box) throw new Error("no terminal canvas");
  await page.mouse.move(box.x + 2, box.y + 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width - 2, box.y + box.height - 2, { steps: 4 });
  await page.mouse.up();
  return (await clipboard(page)).split("\n").map((l) => l.trimEnd());
}

/**
 * Re-reads the screen until `done(lines)` holds: output arrives asynchronously from the PTY. Each
 * attempt is a real drag and copy, so the loop paces itself; there is no event to await instead.
 */
async function waitForScreen(page: Page, done: (lines: string[]) => boolean, what: string, ms = 20_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const lines = await terminalLines(page);
    if (done(lines)) return lines;
    if (Date.now() > deadline)
      throw new Error(`terminal never showed ${what}; on screen:\n${lines.join("\n")}`);
  }
}

/** A click on the screen drops the selection that reading it left (for clean screenshots). */
const clearSelection = (page: Page) => page.locator(".term-screen:not([hidden]) canvas").first().click();

async function typeInTerminal(page: Page, line: string) {
  await page.locator(".term-screen:not([hidden])").click();
  await page.keyboard.type(line);
  await page.keyboard.press("Enter");
}

/** Admin pages: the sidebar on desktop; on a phone, the bottom bar's Admin tab, then the sub-tab. */
async function openInvites(page: Page, vp: Viewport) {
  const main = page.getByRole("navigation", { name: "Main" });
  if (vp.name === "phone") {
    await main.getByRole("link", { name: "Admin" }).click();
    await page.getByRole("navigation", { name: "Admin" }).getByRole("link", { name: "Invites" }).click();
  } else {
    await main.getByRole("link", { name: "Invites" }).click();
  }
  await page.waitForURL("**/admin/invites", { timeout: T });
}

for (const vp of VIEWPORTS) {
  describe(`journey on the compiled binary at ${vp.name} width (${vp.width}px)`, () => {
    const username = `journey_${vp.name}`;
    const password = "journey password 1";
    let user: { ctx: BrowserContext; page: Page; errors: string[] };
    let projectUrl = "";

    afterAll(async () => {
      await user?.ctx.close();
    });

    test("the first admin signs in with the printed password and invites; the invitee signs up", async () => {
      const admin = await newPage(vp);
      await signIn(admin.page, w.admin.username, w.admin.password);
      await openInvites(admin.page, vp);
      await admin.page.getByRole("button", { name: "New invite" }).click();
      const dialog = admin.page.getByRole("dialog", { name: "New invite" });
      await dialog.getByLabel("Note").fill(`journey ${vp.name}`);
      await dialog.getByRole("button", { name: "Create invite" }).click();
      const shown = (await admin.page.getByTestId("invite-link").textContent()) ?? "";
      const created = admin.page.getByRole("dialog");
      await created.getByRole("button", { name: "Copy invite link", exact: true }).click();
      await created.getByText("Copied").waitFor({ timeout: T });
      const link = await clipboard(admin.page);
      expect(link).toBe(shown);
      expect(link).toStartWith(`${w.url}/signup?code=`);
      await screenshot(admin.page, `journey-${vp.name}-invite`);
      expect(await pageErrors(admin.page, admin.errors)).toEqual([]);
      await admin.ctx.close();

      user = await newPage(vp);
      await user.page.goto(link);
      await user.page.getByRole("heading", { name: "Create your account" }).waitFor({ timeout: T });
      await user.page.getByLabel("User name").fill(username);
      await user.page.getByLabel("Password", { exact: true }).fill(password);
      await user.page.getByLabel("Repeat password").fill(password);
      await screenshot(user.page, `journey-${vp.name}-signup`);
      await user.page.getByRole("button", { name: "Create account" }).click();
      await user.page.waitForURL("**/projects", { timeout: T });
      await user.page.getByRole("heading", { name: "Projects" }).waitFor({ timeout: T });
      expect(await pageErrors(user.page, user.errors)).toEqual([]);
    });

    test("the new user creates a project and chats: a bash tool card with its output, then the reply", async () => {
      const { page } = user;
      await page.getByRole("button", { name: "New project" }).first().click();
      await page.getByLabel("Name").fill(`Journey ${vp.name}`);
      await page.getByRole("button", { name: "Create project" }).click();
      await page.waitForURL(/\/projects\/prj_[0-9a-f]+/, { timeout: T });
      projectUrl = page.url();
      await screenshot(page, `journey-${vp.name}-project`);

      // The Chat opens with the message box ready; the first message creates the conversation.
      w.fx.enqueue(
        [{ toolCall: { name: "bash", args: { command: "echo journey > note.txt && cat note.txt" } } }],
        [{ text: "I wrote **note.txt** for you." }],
      );
      await send(page, "please write a note");
      await page.waitForURL(/session=ses_/, { timeout: START });
      const card = page.locator(".tool[data-tool='bash']");
      await card.filter({ hasText: "$ echo journey > note.txt" }).waitFor({ timeout: T });
      await card.locator(".tool-status[data-status='done']").waitFor({ timeout: T });
      expect((await card.locator(".tool-output pre").textContent())?.trim()).toBe("journey");
      await page.locator(".msg[data-role='assistant'] strong").filter({ hasText: "note.txt" }).waitFor({
        timeout: T,
      });
      await page.locator(".activity.idle").waitFor({ timeout: T });
      await screenshot(page, `journey-${vp.name}-chat`);
      expect(await pageErrors(page, user.errors)).toEqual([]);
    });

    test("the user edits the agent's file in Files, and the agent reads the edit back", async () => {
      const { page } = user;
      await page.getByRole("tab", { name: "Files" }).click();
      const tree = page.getByRole("tree", { name: "Project files" });
      await tree.getByRole("treeitem", { name: "note.txt" }).click();
      const editor = page.getByLabel("Contents of note.txt");
      await editor.waitFor({ timeout: T });
      expect(await editor.inputValue()).toBe("journey\n");
      await editor.fill(`journey, edited by ${username}\n`);
      await page.getByRole("button", { name: "Save", exact: true }).click();
      await page.getByText("Saved.").waitFor({ timeout: T });
      await screenshot(page, `journey-${vp.name}-files`);

      // Back in Chat the open conversation is gone from the URL (?session= is dropped on a tab
      // switch), so the person picks it from the list again.
      await page.getByRole("tab", { name: "Chat" }).click();
      if (vp.name === "phone") await page.getByRole("button", { name: "Conversations", exact: true }).click();
      await page.getByRole("navigation", { name: "Conversations" }).getByText("please write a note").click();
      await page.locator(".tool[data-tool='bash']").waitFor({ timeout: T });
      w.fx.enqueue([{ toolCall: { name: "read", args: { path: "note.txt" } } }], [{ text: "Read it." }]);
      await send(page, "read the note back");
      const card = page.locator(".tool[data-tool='read']").filter({ hasText: "note.txt" });
      await card.locator(".tool-status[data-status='done']").waitFor({ timeout: T });
      await page.getByText("Read it.").waitFor({ timeout: T });
      await card.locator("summary").click();
      const output = card.locator(".tool-output pre");
      await output.waitFor({ timeout: T });
      expect(await output.textContent()).toContain(`journey, edited by ${username}`);
      // What the model was sent as the tool result is the edited file, too.
      const sawEdit = w.fx.requests.some((r) =>
        r.messages.some((m) => m.role === "tool" && m.text.includes(`edited by ${username}`)),
      );
      expect(sawEdit).toBe(true);
      await page.locator(".activity.idle").waitFor({ timeout: T });
      await screenshot(page, `journey-${vp.name}-chat-read`);
      expect(await pageErrors(page, user.errors)).toEqual([]);
    });

    test("the terminal runs what is typed, and follows a viewport resize", async () => {
      const { page } = user;
      await page.getByRole("tab", { name: "Terminal" }).click();
      await page.locator(".term-screen:not([hidden]) canvas").first().waitFor({ timeout: T });
      // Like a person, wait for the prompt before typing.
      await waitForScreen(page, (lines) => lines.some((l) => /@octo:\/workspace[#$]$/.test(l)), "a prompt");
      await typeInTerminal(page, "echo $((6*7))");
      await waitForScreen(page, (lines) => lines.includes("42"), "42");
      await clearSelection(page);
      await screenshot(page, `journey-${vp.name}-terminal`);

      const sizeRe = /^\d+ \d+$/;
      const lastSize = (lines: string[]) => lines.filter((l) => sizeRe.test(l)).at(-1);
      await typeInTerminal(page, "stty size");
      const before = lastSize(
        await waitForScreen(page, (l) => lastSize(l) !== undefined, "a size"),
      ) as string;

      const canvas = page.locator(".term-screen:not([hidden]) canvas").first();
      const widthBefore = (await canvas.boundingBox())?.width ?? 0;
      // Desktop: a narrower window; phone: turned to landscape.
      const resized = vp.name === "phone" ? { width: 740, height: 375 } : { width: 900, height: 700 };
      await page.setViewportSize(resized);
      await page.waitForFunction(
        (w0) => {
          const c = document.querySelector(".term-screen:not([hidden]) canvas");
          return c !== null && Math.abs(c.getBoundingClientRect().width - w0) > 20;
        },
        widthBefore,
        { timeout: T },
      );
      await typeInTerminal(page, "stty size");
      const after = lastSize(
        await waitForScreen(page, (l) => lastSize(l) !== before, "a new size"),
      ) as string;
      expect(after).toMatch(sizeRe);
      const [cols0, cols1] = [before, after].map((s) => Number(s.split(" ")[1]));
      if (vp.name === "phone") expect(cols1 as number).toBeGreaterThan(cols0 as number);
      else expect(cols1 as number).toBeLessThan(cols0 as number);
      await clearSelection(page);
      await screenshot(page, `journey-${vp.name}-terminal-resized`);
      await page.setViewportSize({ width: vp.width, height: vp.height });
      expect(await pageErrors(page, user.errors)).toEqual([]);
    });

    test("the first admin, in another browser, gets 'Project not found' for this user's project", async () => {
      const admin = await newPage(vp);
      await signIn(admin.page, w.admin.username, w.admin.password);
      await admin.page.goto(projectUrl);
      await admin.page.getByRole("heading", { name: "Project not found" }).waitFor({ timeout: T });
      expect(await admin.page.getByText(`Journey ${vp.name}`).count()).toBe(0);
      await screenshot(admin.page, `journey-${vp.name}-admin-not-found`);
      expect(await pageErrors(admin.page, admin.errors)).toEqual([]);
      await admin.ctx.close();
    });
  });
}

import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import type { Browser, Page } from "rebrowser-playwright";
import { createProject, type SessionWorld, startWorld } from "../sessions/harness.ts";
import { ensureUiBuilt, launchChromium, pageErrors, screenshot, signedIn, VIEWPORTS } from "./browser.ts";

/**
 * In real Chromium against the real server and a real agent (the scripted provider): "used N
 * memories" under a first prompt, each opening its memory in the Memory tab, still there after a
 * reload; the one search box of the chat finding conversations and memories, grouped by kind,
 * each result opening its target; the admin's embedding model picker with its progress.
 */
setDefaultTimeout(300_000);

let w: SessionWorld;
let browser: Browser;
const T = 20_000;
const START = 150_000;

beforeAll(async () => {
  await ensureUiBuilt();
  w = await startWorld();
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await w?.stop();
});

const composer = (page: Page) => page.getByLabel("Message", { exact: true });

for (const vp of VIEWPORTS) {
  describe(`memory in the chat at ${vp.name} width (${vp.width}px)`, () => {
    test("used N memories: shown under the first prompt, each opens its memory, survives a reload", async () => {
      const projectId = await createProject(w.admin, `Recall ${vp.name}`);
      await w.admin.request("PATCH", `/api/projects/${projectId}`, { body: { use_memories: true } });
      const memory = await w.admin.post<{ memory: { id: string } }>(`/api/projects/${projectId}/memories`, {
        text: "Deploys go out with ./ship.sh from the ops host",
        tags: ["ops"],
      });
      const memoryId = memory.body.memory.id;
      const { ctx, page, errors } = await signedIn(
        browser,
        w.t.url,
        vp,
        w.t.admin.username,
        w.t.admin.password,
      );
      await page.goto(`${w.t.url}/projects/${projectId}/chat`);
      await composer(page).waitFor({ timeout: T });
      w.fx.enqueue([{ text: "Run ./ship.sh on the ops host." }]);
      const typed = "How do we deploy the shipping app?";
      await composer(page).fill(typed);
      await composer(page).press("Enter");
      await page.waitForURL(/session=ses_/, { timeout: START });
      await page.getByText("Run ./ship.sh on the ops host.").waitFor({ timeout: START });
      // The model got the memory; the person's message reads as typed.
      expect(w.fx.requests.filter((r) => r.kind === "chat").at(-1)?.lastUserText).toContain(memoryId);
      const mine = page.locator(".msg[data-role='user']");
      expect((await mine.locator(".user-text").textContent())?.trim()).toBe(typed);
      const used = mine.locator(".used-memories");
      await used.getByText("Used 1 memory").waitFor({ timeout: T });
      await used.locator("summary").click();
      await screenshot(page, `memory-used-${vp.name}`);

      await page.reload();
      await page
        .locator(".msg[data-role='user'] .used-memories")
        .getByText("Used 1 memory")
        .waitFor({ timeout: T });
      await page.locator(".used-memories summary").click();
      await page
        .locator(".used-memories")
        .getByRole("link", { name: /Deploys go out/ })
        .click();
      await page.waitForURL(`**/projects/${projectId}/memory?memory=${memoryId}`, { timeout: T });
      const opened = page.getByRole("region", { name: "Opened memory" });
      await opened.getByText("Deploys go out with ./ship.sh from the ops host").waitFor({ timeout: T });
      await screenshot(page, `memory-opened-${vp.name}`);
      expect(await pageErrors(page, errors)).toEqual([]);
      await ctx.close();
    });

    test("one search box: conversations and memories, grouped, each result opens its target", async () => {
      const projectId = await createProject(w.admin, `Search ${vp.name}`);
      // User memories show in every project: each width searches a word of its own.
      const word = vp.name === "desktop" ? "kettle" : "teapot";
      await w.admin.post(`/api/projects/${projectId}/memories`, {
        text: `The ${word} lives in the blue cupboard`,
      });
      await w.admin.post(`/api/projects/${projectId}/memories`, {
        text: `Ann wants ${word} reminders`,
        scope: "user",
      });
      const { ctx, page, errors } = await signedIn(
        browser,
        w.t.url,
        vp,
        w.t.admin.username,
        w.t.admin.password,
      );
      await page.goto(`${w.t.url}/projects/${projectId}/chat`);
      await composer(page).waitFor({ timeout: T });
      w.fx.enqueue([{ text: `The ${word} is hot.` }]);
      await composer(page).fill(`Is the ${word} on?`);
      await composer(page).press("Enter");
      await page.waitForURL(/session=ses_/, { timeout: START });
      const sessionId = new URL(page.url()).searchParams.get("session");
      await page.getByText(`The ${word} is hot.`).waitFor({ timeout: START });

      const openList = async () => {
        if (vp.name === "phone") await page.getByRole("button", { name: "Conversations" }).click();
      };
      await openList();
      const nav = page.getByRole("navigation", { name: "Conversations" });
      await nav.getByLabel("Search conversations and memories").fill(word);
      const results = nav.getByRole("region", { name: "Search results" });
      await results.getByRole("heading", { name: "Conversations" }).waitFor({ timeout: T });
      await results.getByRole("heading", { name: "Memories" }).waitFor({ timeout: T });
      const memories = results.getByRole("list", { name: "Memories" });
      await memories.getByText(`The ${word} lives in the blue cupboard`).waitFor({ timeout: T });
      await memories.getByText(`Ann wants ${word} reminders`).waitFor({ timeout: T });
      expect(await memories.getByText("all projects").count()).toBe(1);
      const conversations = results.getByRole("list", { name: "Conversations" });
      expect(await conversations.locator("mark").first().textContent()).toMatch(new RegExp(word, "i"));
      await screenshot(page, `one-search-${vp.name}`);

      await memories.getByText(`The ${word} lives in the blue cupboard`).click();
      await page.waitForURL(/\/memory\?memory=mem_/, { timeout: T });
      await page
        .getByRole("region", { name: "Opened memory" })
        .getByText(`The ${word} lives in the blue cupboard`)
        .waitFor({ timeout: T });

      await page.goto(`${w.t.url}/projects/${projectId}/chat`);
      await openList();
      await nav.getByLabel("Search conversations and memories").fill(word);
      await conversations.getByRole("button").first().click();
      await page.waitForURL(new RegExp(`session=${sessionId}`), { timeout: T });
      await page
        .locator(".msg[data-role='assistant']")
        .getByText(`The ${word} is hot.`)
        .waitFor({ timeout: T });

      // Nothing found anywhere: said once.
      await openList();
      await nav.getByLabel("Search conversations and memories").fill("zebra");
      await nav.getByText("No matches.").waitFor({ timeout: T });
      expect(await pageErrors(page, errors)).toEqual([]);
      await ctx.close();
    });
  });
}

describe("admin: embedding model for memory search", () => {
  test("picked in Admin → Models; the progress shows; bad ids are refused", async () => {
    const vp = VIEWPORTS[0];
    const { ctx, page, errors } = await signedIn(
      browser,
      w.t.url,
      vp,
      w.t.admin.username,
      w.t.admin.password,
    );
    await page.goto(`${w.t.url}/admin/models`);
    const section = page.getByRole("region", { name: "Embedding model" });
    await section.getByText("Off: memory search uses words only").waitFor({ timeout: T });
    await section.getByLabel("Embedding model").fill("embed-ui");
    await section.getByRole("button", { name: "Use for memory search" }).click();
    await section
      .getByTestId("embedding-status")
      .getByText(/fx\/embed-ui: (\d+) of \1 memories embedded\./)
      .waitFor({
        timeout: T,
      });
    await screenshot(page, "admin-embedding-desktop");
    await section.getByLabel("Embedding model").fill("has space");
    await section.getByRole("button", { name: "Use for memory search" }).click();
    await section
      .getByText(/validation_failed|model id|provider\/model/)
      .first()
      .waitFor({ timeout: T });
    await section.getByRole("button", { name: "Turn off" }).click();
    await section.getByText("Off: memory search uses words only").waitFor({ timeout: T });
    expect(await pageErrors(page, errors)).toEqual([]);
    await ctx.close();
  });
});

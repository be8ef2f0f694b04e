import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Browser, Page } from "rebrowser-playwright";
import type { Client } from "../http/client.ts";
import type { TestServer } from "../http/harness.ts";
import { type SessionWorld, startWorld } from "../sessions/harness.ts";
import { ensureUiBuilt, launchChromium, pageErrors, screenshot, signedIn, VIEWPORTS } from "./browser.ts";

/**
 * The Memory and Tasks tabs in real Chromium against the real server: memories searched as you
 * type, pinned, edited and forgotten; tasks on a board moved by drag and by each card's status menu,
 * the detail pane's history, and changes made elsewhere (another tab, the agent) arriving live.
 */

let w: SessionWorld;
let srv: TestServer;
let browser: Browser;
let admin: Client;
const T = 20_000;

beforeAll(async () => {
  await ensureUiBuilt();
  // With the scripted LLM provider, so that a conversation can start.
  w = await startWorld();
  srv = w.t;
  browser = await launchChromium();
  admin = w.admin;
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await w?.stop();
});

/** Exactly `n` elements match `selector` (waits; no page-side script, which the CSP forbids). */
async function countIs(page: Page, selector: string, n: number) {
  if (n > 0)
    await page
      .locator(selector)
      .nth(n - 1)
      .waitFor({ timeout: T });
  await page.locator(selector).nth(n).waitFor({ state: "detached", timeout: T });
}

const newProject = async (name: string) => {
  const r = await admin.post<{ project: { id: string } }>("/api/projects", { name });
  if (r.status !== 200) throw new Error(JSON.stringify(r.body));
  return r.body.project.id;
};

for (const vp of VIEWPORTS) {
  describe(`memory and tasks at ${vp.name} width (${vp.width}px)`, () => {
    test("memory: add, live arrival, search as you type, tag filter, pin, edit, forget", async () => {
      const projectId = await newProject(`Memory ${vp.name}`);
      const { ctx, page, errors } = await signedIn(
        browser,
        srv.url,
        vp,
        srv.admin.username,
        srv.admin.password,
      );
      await page.goto(`${srv.url}/projects/${projectId}/memory`);
      await page.getByText("No memories yet.").waitFor({ timeout: T });

      await page.getByLabel("Remember").fill("Deploys go out with ./ship.sh from ops-1");
      await page.getByLabel("Tags").fill("deploy, ops");
      await page.getByRole("button", { name: "Save", exact: true }).click();
      const list = page.getByRole("list", { name: "Memories" });
      await list.getByText("Deploys go out with ./ship.sh").waitFor({ timeout: T });

      // Made elsewhere (another tab, or the agent): it arrives without a reload.
      const userMemory = await admin.post<{ memory: { id: string } }>(`/api/projects/${projectId}/memories`, {
        text: "The user prefers metric units",
        scope: "user",
      });
      await list.getByText("The user prefers metric units").waitFor({ timeout: T });
      await list.getByText("all projects").waitFor({ timeout: T });

      await page.getByLabel("Search memories").pressSequentially("deplo");
      await countIs(page, "[data-memory]", 1);
      await page.getByLabel("Search memories").fill("");
      await countIs(page, "[data-memory]", 2);
      await page.getByRole("button", { name: "Filter by tag ops" }).click();
      await countIs(page, "[data-memory]", 1);
      await page.getByRole("button", { name: "Remove tag filter ops" }).click();
      await countIs(page, "[data-memory]", 2);

      const deployId = await page
        .locator("[data-memory]", { hasText: "ship.sh" })
        .getAttribute("data-memory");
      const deploy = page.locator(`[data-memory="${deployId}"]`);
      await deploy.getByRole("button", { name: "Pin" }).click();
      await deploy.getByRole("button", { name: "Unpin" }).waitFor({ timeout: T });
      // Pinned memories come first.
      await page
        .locator("[data-memory]")
        .first()
        .getByText(/ship\.sh/)
        .waitFor({ timeout: T });
      await deploy.getByRole("button", { name: "Edit" }).click();
      await deploy.getByLabel("Memory text").fill("Deploys go out with ./ship.sh from ops-2");
      await deploy.getByRole("button", { name: "Save" }).click();
      await list.getByText("from ops-2").waitFor({ timeout: T });
      expect(await deploy.textContent()).toContain("added by admin");
      await screenshot(page, `memory-${vp.name}`);

      await deploy.getByRole("button", { name: "Forget" }).click();
      await page.getByRole("dialog").getByRole("button", { name: "Forget" }).click();
      await countIs(page, "[data-memory]", 1);
      expect(await pageErrors(page, errors)).toEqual([]);
      await ctx.close();
      // A user memory shows in every project of the user: leave none behind for the next width.
      await admin.delete(`/api/projects/${projectId}/memories/${userMemory.body.memory.id}`);
    }, 120_000);

    test("tasks: add, board drag and status menu, detail with history, live change", async () => {
      const projectId = await newProject(`Tasks ${vp.name}`);
      const { ctx, page, errors } = await signedIn(
        browser,
        srv.url,
        vp,
        srv.admin.username,
        srv.admin.password,
      );
      await page.goto(`${srv.url}/projects/${projectId}/tasks`);
      await page.getByText("No tasks yet.").waitFor({ timeout: T });
      for (const title of ["Pick a database", "Write migrations"]) {
        await page.getByLabel("New task title").fill(title);
        await page.getByRole("button", { name: "Add", exact: true }).click();
        await page.getByRole("list", { name: "Tasks" }).getByText(title).waitFor({ timeout: T });
      }
      await admin.request("PATCH", `/api/projects/${projectId}/tasks/T-2`, {
        body: { depends_on: ["T-1"], body: "Use **numbered** files", priority: "high" },
      });
      await page.getByLabel("Status filter").selectOption("ready");
      await countIs(page, "[data-task]", 1);
      await page.getByLabel("Status filter").selectOption("all");

      await page.getByRole("button", { name: "Board", exact: true }).click();
      const col = (name: string) => page.getByRole("region", { name, exact: true });
      await col("Open").locator("[data-task='T-1']").waitFor({ timeout: T });
      // Drag T-1 to "In progress" (mouse; on the phone its status menu), then T-2 to "Blocked" with
      // its status menu (keyboard).
      if (vp.name === "desktop") await col("Open").locator("[data-task='T-1']").dragTo(col("In progress"));
      else await page.getByLabel("Status of T-1").selectOption("in_progress");
      await col("In progress").locator("[data-task='T-1']").waitFor({ timeout: T });
      await page.getByLabel("Status of T-2").selectOption("blocked");
      await col("Blocked").locator("[data-task='T-2']").waitFor({ timeout: T });

      // A change from elsewhere (the agent, another tab) arrives live.
      await admin.post(`/api/projects/${projectId}/tasks`, { title: "Arrived live", labels: ["ops"] });
      await col("Open").getByText("Arrived live").waitFor({ timeout: T });
      await screenshot(page, `tasks-board-${vp.name}`);

      await col("Blocked")
        .getByRole("button", { name: /Write migrations/ })
        .click();
      const pane = page.getByRole("complementary", { name: "Task T-2" });
      await pane.locator(".task-body strong", { hasText: "numbered" }).waitFor({ timeout: T });
      const history = pane.getByRole("region", { name: "History" });
      await history.getByText("status open → blocked").waitFor({ timeout: T });
      await pane.getByLabel("Comment").fill("Waiting for the database choice");
      await pane.getByRole("button", { name: "Comment" }).click();
      await history.getByText(": Waiting for the database choice").waitFor({ timeout: T });
      expect(await history.textContent()).toContain("admin created it");
      await pane.scrollIntoViewIfNeeded();
      await screenshot(page, `tasks-detail-${vp.name}`);
      expect(await pageErrors(page, errors)).toEqual([]);
      await ctx.close();
    }, 120_000);
  });
}

test("'Start a conversation on this task' opens a linked chat with the task in its composer", async () => {
  const projectId = await newProject("Task chat");
  await admin.post(`/api/projects/${projectId}/tasks`, {
    title: "Fix the login form",
    body: "It drops the **Origin**",
  });
  const vp = VIEWPORTS[0];
  const { ctx, page, errors } = await signedIn(browser, srv.url, vp, srv.admin.username, srv.admin.password);
  await page.goto(`${srv.url}/projects/${projectId}/tasks?task=T-1`);
  await page.getByRole("button", { name: "Start a conversation on this task" }).click();
  await page.waitForURL(/\/chat\?session=ses_[0-9a-f]+$/, { timeout: 60_000 }).catch(async (e) => {
    await screenshot(page, "task-chat-debug");
    throw new Error(`${page.url()}: ${e}`);
  });
  const composer = page.locator("#chat-input");
  await composer.waitFor({ timeout: 60_000 });
  expect(await composer.inputValue()).toStartWith("Let's work on task T-1: Fix the login form");
  expect(await composer.inputValue()).toContain("It drops the **Origin**");
  // The task links to the conversation.
  const session = new URL(page.url()).searchParams.get("session");
  const task = await admin.get<{ task: { links: { kind: string; session_id?: string }[] } }>(
    `/api/projects/${projectId}/tasks/T-1`,
  );
  expect(task.body.task.links).toEqual([{ kind: "session", session_id: session as string }]);
  expect(await pageErrors(page, errors)).toEqual([]);
  await ctx.close();
}, 120_000);

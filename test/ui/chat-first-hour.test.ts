import { afterAll, afterEach, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { lstatSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "rebrowser-playwright";
import { FAST_RETRY_SETTINGS } from "../fixtures/pi.ts";
import { AgentTab, createProject, type SessionWorld, startWorld } from "../sessions/harness.ts";
import {
  ensureUiBuilt,
  launchChromium,
  pageErrors,
  screenshot,
  signedIn as signInAt,
  VIEWPORTS,
  type Viewport,
} from "./browser.ts";

/**
 * "The first hour" in real Chromium against the real server, runner, sandbox and pi, with the scripted
 * LLM: the follow-up queue (edit, remove, send now, cleared by Stop), readable failures with Retry,
 * starting the agent from a ready message box, the phone's one row of controls, and forking a message
 * that carried an image.
 */

setDefaultTimeout(420_000);
const T = 60_000;
/** The first message creates the conversation and waits for its agent: tens of seconds on a loaded machine. */
const START = 240_000;
let w: SessionWorld;
let browser: Browser;

beforeAll(async () => {
  await ensureUiBuilt();
  w = await startWorld();
  browser = await launchChromium();
  // Start the admin's runner once, out of the tests' clocks: its cold start on a loaded machine is
  // not what these tests measure (each conversation still starts its own agent).
  const tab = await AgentTab.open(w.t.url, w.admin.cookie);
  const warm = await createProject(w.admin, "Warm-up");
  const t0 = Date.now();
  const { session_id } = await tab.ok<{ session_id: string }>("session.create", { project_id: warm });
  console.log(`warm-up: first agent started in ${Date.now() - t0} ms`);
  await tab.ok("session.delete", { session_id });
  await tab.close();
}, 400_000);

afterAll(async () => {
  await browser?.close();
  await w?.stop();
});

/**
 * pi's retries of a failed turn without pi's default backoff (2 + 4 + 8 s, on top of the provider
 * SDK's own retries): the project's `.pi/settings.json`, which pi merges over its defaults. The
 * failing-provider test still goes through pi's retries, in milliseconds instead of ~15 s.
 */
async function fastRetries(projectId: string) {
  const r = await w.admin.get<{ project: { slug: string } }>(`/api/projects/${projectId}`);
  const dir = w.t.server.ctx.services.placement.project(w.t.admin.username, r.body.project.slug).projectDir;
  mkdirSync(join(dir, ".pi"), { recursive: true });
  writeFileSync(join(dir, ".pi", "settings.json"), JSON.stringify(FAST_RETRY_SETTINGS));
  const owner = lstatSync(dir);
  Bun.spawnSync(["chown", "-R", `${owner.uid}:${owner.gid}`, join(dir, ".pi")]);
}

/** A promise and its resolver: holds a fixture stream open until the test lets it go (or ends). */
const gates: (() => void)[] = [];
function gate() {
  let open!: () => void;
  const p = new Promise<void>((r) => {
    open = r;
  });
  gates.push(open);
  return { p, open };
}
afterEach(() => {
  for (const open of gates.splice(0)) open();
});

const ONE_PIXEL_GIF = Buffer.from("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7", "base64");
const composer = (page: Page) => page.getByLabel("Message", { exact: true });
const queue = (page: Page) => page.getByRole("region", { name: "Queued messages" });

async function send(page: Page, text: string) {
  await composer(page).fill(text);
  await composer(page).press("Enter");
}
const waitIdle = (page: Page) => page.locator(".activity.idle").waitFor({ timeout: T });

/** A conversation of its own: its first message carries a marker that routes its LLM requests to a lane. */
async function startConversation(page: Page, projectId: string, marker: string, reply: string) {
  await page.goto(`${w.t.url}/projects/${projectId}/chat`);
  const lane = w.fx.lane({ text: marker });
  lane.enqueue([{ text: reply }]);
  await send(page, `${marker} hello`);
  await page.waitForURL(/session=ses_/, { timeout: START });
  await page.getByText(reply).waitFor({ timeout: T });
  await waitIdle(page);
  return lane;
}

for (const vp of VIEWPORTS) {
  describe(`the first hour at ${vp.name} width (${vp.width}px)`, () => {
    let projectId: string;
    let page: Page;
    let errors: string[];
    const signedIn = (v: Viewport) =>
      signInAt(browser, w.t.url, v, w.t.admin.username, w.t.admin.password, T);

    beforeAll(async () => {
      projectId = await createProject(w.admin, `First hour ${vp.name}`);
      await fastRetries(projectId);
      ({ page, errors } = await signedIn(vp));
    });
    afterAll(async () => {
      await page?.context().close();
    });

    test("the Chat opens with a ready box; the first message says the agent is starting, then it is ready; nothing empty is saved", async () => {
      const before = (await w.admin.get<{ sessions: unknown[] }>(`/api/projects/${projectId}/sessions`)).body
        .sessions.length;
      await page.goto(`${w.t.url}/projects/${projectId}/chat`);
      await composer(page).waitFor({ timeout: T });
      expect(new URL(page.url()).searchParams.get("session")).toBeNull();
      // Nothing was created by opening the Chat.
      expect(
        (await w.admin.get<{ sessions: unknown[] }>(`/api/projects/${projectId}/sessions`)).body.sessions,
      ).toHaveLength(before);
      expect(await composer(page).getAttribute("placeholder")).toBe(
        vp.name === "phone" ? "Message" : "Message the agent (Enter to send, Shift+Enter for a new line)",
      );

      const lane = w.fx.lane({ text: `[start-${vp.name}]` });
      lane.enqueue([{ text: "Hello, I am up." }]);
      // "Agent ready" shows for a moment only: record that it appeared.
      await page.evaluate(() => {
        const w = window as unknown as { __sawReady: boolean };
        w.__sawReady = false;
        new MutationObserver(() => {
          if (document.querySelector(".activity.ready")) w.__sawReady = true;
        }).observe(document.body, { subtree: true, childList: true });
      });
      await send(page, `[start-${vp.name}] are you there?`);
      const booting = page.getByRole("progressbar", { name: "Starting the agent" });
      await booting.waitFor({ timeout: T });
      await page.getByText("Starting the agent…").waitFor({ timeout: T });
      await page.locator(".msg.pending").getByText("are you there?").waitFor({ timeout: T });
      await screenshot(page, `first-hour-${vp.name}-starting`);
      await page.waitForURL(/session=ses_/, { timeout: START });
      await page.getByText("Hello, I am up.").waitFor({ timeout: T });
      await page.waitForFunction(() => (window as unknown as { __sawReady: boolean }).__sawReady, undefined, {
        timeout: T,
      });
      await waitIdle(page);
      expect(await page.locator(".user-text").filter({ hasText: "are you there?" }).count()).toBe(1);

      // A first message that fails leaves no conversation behind, and the text stays in the box.
      await page.goto(`${w.t.url}/projects/${projectId}/chat`);
      const count = (await w.admin.get<{ sessions: unknown[] }>(`/api/projects/${projectId}/sessions`)).body
        .sessions.length;
      const tooLong = "x".repeat(1_000_001);
      await composer(page).fill(tooLong);
      await composer(page).press("Enter");
      await page.getByText(/Could not send/).waitFor({ timeout: T });
      expect((await composer(page).inputValue()).length).toBe(tooLong.length);
      expect(new URL(page.url()).searchParams.get("session")).toBeNull();
      expect(
        (await w.admin.get<{ sessions: unknown[] }>(`/api/projects/${projectId}/sessions`)).body.sessions,
      ).toHaveLength(count);
      await composer(page).fill("");
      expect(await pageErrors(page, errors)).toEqual([]);
    });

    test("queued follow-ups: edit, remove, send now; Stop clears the queue (also after a reload) and nothing stale runs later", async () => {
      const marker = `[queue-${vp.name}]`;
      const lane = await startConversation(page, projectId, marker, "Ready for work.");
      const g = gate();
      lane.enqueue([
        { text: "Working on the long task", chunks: 2 },
        { until: g.p },
        { text: " never shown" },
      ]);
      await send(page, "a long task");
      await page.getByText("Working on the long task").waitFor({ timeout: T });
      await send(page, "stale one"); // Enter queues while the agent works
      await queue(page).getByText("stale one").waitFor({ timeout: T });
      await send(page, "stale two");
      await queue(page).getByText("stale two").waitFor({ timeout: T });
      await send(page, "urgent");
      await queue(page).getByText("urgent").waitFor({ timeout: T });

      // Edit the first, remove the second.
      const item = (text: string) => queue(page).locator("li").filter({ hasText: text });
      await item("stale one").getByRole("button", { name: "Edit" }).click();
      await page.getByLabel("Queued message", { exact: true }).fill("stale one, edited");
      await page.getByRole("button", { name: "Save" }).click();
      await queue(page).getByText("stale one, edited").waitFor({ timeout: T });
      await item("stale two").getByRole("button", { name: "Remove" }).click();
      await item("stale two").waitFor({ state: "detached", timeout: T });
      // One row of controls while the agent works: on a phone attach, More, Queue, Stop; wider, the
      // model and thinking pickers and Interrupt fit beside them.
      const rowMiddles = await page.evaluate(() =>
        [...document.querySelectorAll(".composer-actions > button, .composer-extra > *")]
          .filter((b) => (b as HTMLElement).offsetParent !== null)
          .map((b) => {
            const r = b.getBoundingClientRect();
            return Math.round(r.top + r.height / 2);
          }),
      );
      await screenshot(page, `first-hour-${vp.name}-queue`);
      expect(rowMiddles.length).toBeGreaterThanOrEqual(3);
      expect(Math.max(...rowMiddles) - Math.min(...rowMiddles)).toBeLessThanOrEqual(4);

      // Send now: the urgent one goes to the agent as steering ("after this step").
      await item("urgent").getByRole("button", { name: "Send now" }).click();
      await item("urgent").locator(".badge").filter({ hasText: "after this step" }).waitFor({ timeout: T });
      expect(await item("urgent").getByRole("button", { name: "Edit" }).count()).toBe(0);

      // Stop: idle, and the queue is gone, steering included.
      await page.getByRole("button", { name: "Stop" }).click();
      await waitIdle(page);
      await queue(page).waitFor({ state: "detached", timeout: T });
      await page.reload();
      await page.getByText("Working on the long task").waitFor({ timeout: T });
      await waitIdle(page);
      expect(await queue(page).count()).toBe(0);
      await screenshot(page, `first-hour-${vp.name}-stopped`);

      // The next message is answered, and nothing queued before the stop runs after it.
      const seen = lane.requests.length;
      lane.enqueue([{ text: "Fresh answer." }]);
      await send(page, "something new");
      await page.getByText("Fresh answer.").waitFor({ timeout: T });
      await waitIdle(page);
      g.open();
      const userTexts = await page.locator(".msg[data-role='user'] .user-text").allTextContents();
      expect(userTexts.filter((t) => /stale|urgent/.test(t))).toEqual([]);
      // The conversation sent to the model, not the whole body: tool schemas may say "urgent" (a priority).
      expect(lane.requests.slice(seen).some((r) => /stale|urgent/.test(JSON.stringify(r.messages)))).toBe(
        false,
      );
      expect(lane.requests.length - seen).toBe(1);
      expect(await pageErrors(page, errors)).toEqual([]);
    });

    test("a failing provider: one readable message per failed turn, raw details folded, Retry sends the prompt again", async () => {
      const marker = `[fail-${vp.name}]`;
      const lane = await startConversation(page, projectId, marker, "Fine so far.");
      lane.script(() => [{ httpError: 500, message: "upstream exploded" }]);
      await send(page, "please fail");
      const failure = page.locator(".failure");
      await failure.first().waitFor({ timeout: T });
      await waitIdle(page);
      await expect(failure.count()).resolves.toBe(1);
      expect(await failure.locator("strong").textContent()).toBe(
        "The model provider returned an error (500).",
      );
      await expect(failure.textContent()).resolves.toContain("Admin → Models");
      // The raw text is there, folded; no banner repeats it.
      expect(await failure.locator("details").getAttribute("open")).toBeNull();
      expect(await failure.locator("pre").textContent()).toContain("500");
      expect(await page.locator(".chat-error").count()).toBe(0);
      expect(await page.locator(".error-text").count()).toBe(0);
      await screenshot(page, `first-hour-${vp.name}-failure`);

      // A key problem reads differently.
      lane.script(() => [{ httpError: 401, message: "bad key" }]);
      await send(page, "again with a bad key");
      await page.locator(".failure[data-cause='auth']").waitFor({ timeout: T });
      await waitIdle(page);
      expect(await page.locator(".failure").count()).toBe(2);
      expect(await page.locator(".failure[data-cause='auth'] strong").textContent()).toContain(
        "refused the API key",
      );
      expect(await page.locator(".failure").allTextContents()).not.toContain("verbose");

      // Retry re-sends the last prompt; this time the provider answers.
      lane.script(null);
      lane.enqueue([{ text: "Recovered on retry." }]);
      await page.locator(".failure").last().getByRole("button", { name: "Retry" }).click();
      await page.getByText("Recovered on retry.").waitFor({ timeout: T });
      await waitIdle(page);
      const prompts = await page.locator(".msg[data-role='user'] .user-text").allTextContents();
      expect(prompts.at(-1)).toBe("again with a bad key");
      expect(await page.getByRole("button", { name: "Retry" }).count()).toBe(0);
      expect(await pageErrors(page, errors)).toEqual([]);
    });

    test("forking a message that carried an image brings the image back as an attachment", async () => {
      const marker = `[img-${vp.name}]`;
      const lane = await startConversation(page, projectId, marker, "Got the first.");
      await page.locator("input[type='file']").setInputFiles({
        name: "dot.gif",
        mimeType: "image/gif",
        buffer: ONE_PIXEL_GIF,
      });
      await page.locator(".attachments img").waitFor({ timeout: T });
      lane.enqueue([{ text: "Nice picture." }]);
      await send(page, "look at this");
      await page.getByText("Nice picture.").waitFor({ timeout: T });
      await waitIdle(page);
      const withImage = page
        .locator(".msg[data-role='user']:not(.pending)")
        .filter({ hasText: "look at this" });
      await withImage.locator("img.msg-image").waitFor({ timeout: T });
      if (vp.name === "desktop") await withImage.hover();
      await withImage.getByRole("button", { name: "Fork from here" }).click();
      await page.waitForFunction(
        () => (document.getElementById("chat-input") as HTMLTextAreaElement | null)?.value === "look at this",
        undefined,
        { timeout: T },
      );
      const attached = page.locator(".attachments img");
      await attached.waitFor({ timeout: T });
      expect(await attached.count()).toBe(1);
      expect(await attached.getAttribute("src")).toBe(
        `data:image/gif;base64,${ONE_PIXEL_GIF.toString("base64")}`,
      );
      await screenshot(page, `first-hour-${vp.name}-fork-image`);

      // Sent from the fork, it carries the image again.
      lane.enqueue([{ text: "Seen on the branch." }]);
      await composer(page).press("Enter");
      await page.getByText("Seen on the branch.").waitFor({ timeout: T });
      await waitIdle(page);
      const sentAgain = page
        .locator(".msg[data-role='user']:not(.pending)")
        .filter({ hasText: "look at this" });
      await sentAgain.locator("img.msg-image").waitFor({ timeout: T });
      expect(await pageErrors(page, errors)).toEqual([]);
    });

    if (vp.name === "phone")
      test("on a phone: tabs fit, More holds the rest, and the headers yield while the conversation scrolls down", async () => {
        const marker = "[phone-long]";
        await page.goto(`${w.t.url}/projects/${projectId}/chat`);
        const lane = w.fx.lane({ text: marker });
        lane.script((r) => {
          const done = r.messages.filter((m) => m.role === "tool").length;
          if (done >= 12) return [{ text: "All done. The last message." }];
          return [
            { text: `Step ${done + 1}: checking item ${done + 1}, with a line that wraps on a phone.` },
            { toolCall: { name: "bash", args: { command: `echo step ${done + 1}` } } },
          ];
        });
        await send(page, `${marker} check every item`);
        await page.getByText("The last message.").waitFor({ timeout: T });
        await waitIdle(page);
        lane.script(null);

        // Seven project tabs do not all fit at 375 px: the strip scrolls, no label is cut short
        // ("Se…"), and the open tab is wholly in view.
        const tabs = await page.evaluate(() => {
          const list = document.querySelector(".tabs-list") as HTMLElement;
          const box = list.getBoundingClientRect();
          const all = [...list.querySelectorAll<HTMLElement>("[role=tab]")];
          const open = all.find((t) => t.getAttribute("aria-selected") === "true") as HTMLElement;
          const at = open.getBoundingClientRect();
          return {
            clipped: all.filter((t) => t.scrollWidth > t.clientWidth + 1).map((t) => t.textContent),
            openInView: at.left >= box.left - 1 && at.right <= box.right + 1,
          };
        });
        expect(tabs.clipped).toEqual([]);
        expect(tabs.openInView).toBe(true);

        // More options: model and thinking pickers in a menu.
        await page.getByRole("button", { name: "More options" }).click();
        await page.getByLabel("Model").waitFor({ timeout: T });
        await screenshot(page, `first-hour-phone-more`);
        await page.getByRole("button", { name: "More options" }).click();
        await page.getByLabel("Model").waitFor({ state: "hidden", timeout: T });

        // The reader scrolls down through the conversation: the headers yield; back up: they return.
        const box = await page.locator(".timeline").boundingBox();
        if (!box) throw new Error("no timeline");
        await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
        await page.mouse.wheel(0, -5000);
        await page.locator(".tabs-list").waitFor({ state: "visible", timeout: T });
        await page.mouse.wheel(0, 300);
        await page.mouse.wheel(0, 300);
        await page.locator(".tabs-list").waitFor({ state: "hidden", timeout: T });
        expect(await page.locator(".chat-head").isVisible()).toBe(false);
        await screenshot(page, "first-hour-phone-yielded");
        await page.mouse.wheel(0, -200);
        await page.locator(".tabs-list").waitFor({ state: "visible", timeout: T });
        expect(await page.locator(".chat-head").isVisible()).toBe(true);
        expect(await pageErrors(page, errors)).toEqual([]);
      });
  });
}

import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import type { Browser, Page } from "rebrowser-playwright";
import { addUser } from "../http/harness.ts";
import { createProject, type SessionWorld, startWorld } from "../sessions/harness.ts";
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
 * The Chat tab in real Chromium against the real server from source (runner, sandbox, pi, LLM proxy),
 * with the scripted LLM fixture as the provider — at desktop and phone width.
 */

setDefaultTimeout(360_000);
const T = 60_000;
/** The first message creates the conversation and waits for its agent: tens of seconds on a loaded machine. */
const START = 240_000;
let w: SessionWorld;
let browser: Browser;

beforeAll(async () => {
  await ensureUiBuilt();
  w = await startWorld();
  await addUser(w.admin, "mallory", "mallory-password-1");
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await w?.stop();
});

const signedIn = (vp: Viewport, username: string, password: string) =>
  signInAt(browser, w.t.url, vp, username, password, T);

/** A promise and its resolver: holds a fixture stream open until the test lets it go. */
function gate() {
  let open!: () => void;
  const p = new Promise<void>((r) => {
    open = r;
  });
  return { p, open };
}

const ONE_PIXEL_GIF = Buffer.from("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7", "base64");

const composer = (page: Page) => page.getByLabel("Message", { exact: true });
const assistantText = (page: Page) =>
  page.evaluate(() =>
    [...document.querySelectorAll(".msg[data-role='assistant'] .md")].map((e) => e.textContent ?? ""),
  );

async function send(page: Page, text: string) {
  await composer(page).fill(text);
  await composer(page).press("Enter");
}

async function waitIdle(page: Page) {
  await page.locator(".activity.idle").waitFor({ timeout: T });
}

/** Two animation frames: whatever the page does after a change (layout, a scroll it owes) has run. */
const frames = (page: Page) =>
  page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));

/** The last message, and whether its end is inside the timeline's visible area (a tall one starts above). */
const lastMessage = (page: Page) =>
  page.evaluate(() => {
    const scroller = document.querySelector(".timeline");
    const last = [...document.querySelectorAll(".timeline .msg")].at(-1);
    if (!scroller || !last) return null;
    const view = scroller.getBoundingClientRect();
    const box = last.getBoundingClientRect();
    return {
      text: last.textContent ?? "",
      inView: box.height > 0 && box.bottom > view.top && box.bottom <= view.bottom + 1,
    };
  });

/** The conversation is open at its end: the last message holds `text`, its end is in view, no "Latest". */
async function expectAtEnd(page: Page, text: string) {
  await page.waitForFunction(
    (t) => {
      const scroller = document.querySelector(".timeline");
      const last = [...document.querySelectorAll(".timeline .msg")].at(-1);
      if (!scroller || !last?.textContent?.includes(t)) return false;
      const view = scroller.getBoundingClientRect();
      const box = last.getBoundingClientRect();
      return box.bottom > view.top && box.bottom <= view.bottom + 1 && !document.querySelector(".jump");
    },
    text,
    { timeout: 20_000, polling: "raf" },
  );
  // …and stays there once the replay and layout settle.
  await frames(page);
  expect(await lastMessage(page)).toEqual({ text: expect.stringContaining(text), inView: true });
  expect(await page.getByRole("button", { name: "Latest" }).count()).toBe(0);
}

/** A message whose top is inside the timeline's view, and that top's offset from the view's top. */
const anchorRow = (page: Page) =>
  page.evaluate(() => {
    const scroller = document.querySelector(".timeline") as HTMLElement;
    const view = scroller.getBoundingClientRect();
    const rows = [...scroller.querySelectorAll(".msg")];
    const i = rows.findIndex((r) => r.getBoundingClientRect().top >= view.top);
    const row = rows[i];
    return row ? { text: row.textContent ?? "", offset: row.getBoundingClientRect().top - view.top } : null;
  });

/**
 * The fixture's answer to a prompt holding `marker`: a line of text and a `bash` call per model turn
 * until `turns` tool results are in the history, then a last reply — one prompt, a long conversation,
 * made through the real server, runner and pi.
 */
function scriptLongConversation(marker: string, turns: number) {
  w.fx.script((r) => {
    if (!r.messages.find((m) => m.role === "user")?.text.includes(marker)) return undefined;
    const done = r.messages.filter((m) => m.role === "tool").length;
    if (done >= turns) return [{ text: `All **${done}** steps checked. The last message.` }];
    return [
      { text: `Step ${done + 1}: checking item \`${done + 1}\` — see **notes** below.` },
      { toolCall: { name: "bash", args: { command: `echo step ${done + 1}` } } },
    ];
  });
}

for (const vp of VIEWPORTS) {
  describe(`chat at ${vp.name} width (${vp.width}px)`, () => {
    let projectId: string;
    let page: Page;
    let errors: string[];
    let sessionUrl: string;
    let longUrl: string;

    beforeAll(async () => {
      projectId = await createProject(w.admin, `Chat ${vp.name}`);
      ({ page, errors } = await signedIn(vp, w.t.admin.username, w.t.admin.password));
    });
    afterAll(async () => {
      await page?.context().close();
    });

    test("a new conversation streams markdown, then a tool call renders as a card with its output", async () => {
      // The Chat opens with the message box ready; the conversation is created by its first message.
      await page.goto(`${w.t.url}/projects/${projectId}/chat`);
      await composer(page).waitFor({ timeout: T });
      w.fx.enqueue([{ text: "Here is **bold** text and `inline code`.\n\n- one\n- two", chunks: 5 }]);
      await send(page, "hello agent");
      await page.waitForURL(/session=ses_/, { timeout: START });
      sessionUrl = page.url();
      await page
        .locator(".msg[data-role='assistant'] strong")
        .filter({ hasText: "bold" })
        .waitFor({ timeout: T });
      await page.locator(".msg[data-role='assistant'] li").filter({ hasText: "two" }).waitFor({ timeout: T });
      await waitIdle(page);
      // A fenced block is highlighted once its message is final.
      w.fx.enqueue([{ text: "```ts\nconst answer: number = 42;\n```" }]);
      await send(page, "show code");
      await page
        .locator(".msg[data-role='assistant'] pre code.hljs .hljs-keyword")
        .first()
        .waitFor({ timeout: T });
      await waitIdle(page);
      // The prompt shows once: the optimistic bubble gave way to the stored message.
      expect(await page.locator(".msg[data-role='user']").count()).toBe(2);
      expect(await page.locator(".user-text").filter({ hasText: "hello agent" }).count()).toBe(1);

      w.fx.enqueue([{ toolCall: { name: "bash", args: { command: "echo hi" } } }], [{ text: "Ran it." }]);
      await send(page, "run echo");
      const card = page.locator(".tool[data-tool='bash']");
      await card.filter({ hasText: "$ echo hi" }).waitFor({ timeout: T });
      await card.locator(".tool-status[data-status='done']").waitFor({ timeout: T });
      expect((await card.locator(".tool-output pre").textContent())?.trim()).toBe("hi");
      await page.getByText("Ran it.").waitFor({ timeout: T });
      await waitIdle(page);
      // The sidebar lists the conversation under its title (the first prompt).
      if (vp.name === "phone") await page.getByRole("button", { name: "Conversations" }).click();
      await page
        .getByRole("navigation", { name: "Conversations" })
        .getByText("hello agent")
        .waitFor({ timeout: T });
      await screenshot(page, `chat-${vp.name}-${vp.name === "phone" ? "drawer" : "tool"}`);
      if (vp.name === "phone") await page.getByRole("button", { name: "Close conversations" }).click();
      await screenshot(page, `chat-${vp.name}-conversation`);
      expect(await pageErrors(page, errors)).toEqual([]);
    });

    test("an image from another site in a reply is not fetched: a placeholder shows its URL until clicked", async () => {
      // Another origin (its own port) that counts what reaches it; no-store, so a second load is a second hit.
      let hits = 0;
      const site = Bun.serve({
        hostname: "127.0.0.1",
        port: 0,
        fetch() {
          hits++;
          return new Response(ONE_PIXEL_GIF, {
            headers: { "content-type": "image/gif", "cache-control": "no-store" },
          });
        },
      });
      try {
        const url = `http://127.0.0.1:${site.port}/leak?q=secret`;
        w.fx.enqueue([{ text: `Here it is: ![x](${url}) and a [link](${url}).`, chunks: 3 }]);
        await send(page, "show me the picture");
        const reply = page.locator(".msg[data-role='assistant']").last();
        const placeholder = reply.locator("button.md-image-blocked").filter({ hasText: url });
        await placeholder.waitFor({ timeout: T });
        await waitIdle(page);
        await frames(page);
        expect(await reply.locator("img").count()).toBe(0);
        expect(await reply.getByRole("link", { name: "link" }).getAttribute("rel")).toBe(
          "noopener noreferrer",
        );
        expect(hits).toBe(0);

        // Clicking loads it straight from that site, once: so nothing had fetched it before.
        await placeholder.click();
        await page.waitForFunction(
          (src) => {
            const img = document.querySelector(`.msg[data-role='assistant'] img[src="${src}"]`);
            return img instanceof HTMLImageElement && img.complete && img.naturalWidth === 1;
          },
          url,
          { timeout: T },
        );
        expect(hits).toBe(1);
        expect(await pageErrors(page, errors)).toEqual([]);
      } finally {
        site.stop(true);
      }
    });

    test("stop mid-stream ends the reply and the agent goes idle", async () => {
      const g = gate();
      w.fx.enqueue([
        { text: "Partial answer before the stop", chunks: 3 },
        { until: g.p },
        { text: " never shown" },
      ]);
      await send(page, "say something long");
      await page.getByText("Partial answer before the stop").waitFor({ timeout: T });
      await page.getByRole("button", { name: "Stop" }).click();
      await waitIdle(page);
      g.open();
      expect((await assistantText(page)).join("\n")).not.toContain("never shown");
      expect(await pageErrors(page, errors)).toEqual([]);
    });

    test("reload mid-stream continues the same stream, with no text twice and none missing", async () => {
      const g = gate();
      const first = "First half of a streamed answer.";
      const second = " Second half, after the reload.";
      w.fx.enqueue([{ text: first, chunks: 4 }, { until: g.p }, { text: second, chunks: 3 }]);
      await send(page, "stream across a reload");
      await page.locator(".msg.streaming").getByText(first).waitFor({ timeout: T });
      await page.reload();
      await page.locator(".msg.streaming").getByText(first).waitFor({ timeout: T });
      g.open();
      await page
        .locator(".msg[data-role='assistant'] .md")
        .filter({ hasText: "after the reload" })
        .waitFor({ timeout: T });
      await waitIdle(page);
      const all = (await assistantText(page)).join("\n");
      expect(all.split(first).length - 1).toBe(1);
      expect(all).toContain(first + second);
      expect(await pageErrors(page, errors)).toEqual([]);
    });

    test("while the agent works: honest steer and follow-up choices, and a visible queue", async () => {
      const g = gate();
      w.fx.enqueue([{ text: "Working on the first task", chunks: 2 }, { until: g.p }, { text: " — done." }]);
      await send(page, "first task");
      await page.getByText("Working on the first task").waitFor({ timeout: T });
      // On a phone, "Interrupt after this step" is in the More menu (one row of controls).
      if (vp.name === "phone") await page.getByRole("button", { name: "More options" }).click();
      await page.getByRole("button", { name: "Interrupt after this step" }).waitFor({ timeout: T });
      if (vp.name === "phone") await page.getByRole("button", { name: "More options" }).click();
      await composer(page).fill("then the second task");
      await page.getByRole("button", { name: "Queue for when it's done" }).click();
      const queue = page.getByRole("region", { name: "Queued messages" });
      await queue.getByText("then the second task").waitFor({ timeout: T });
      await screenshot(page, `chat-${vp.name}-queue`);
      g.open();
      // The follow-up runs when the first turn ends (the fixture echoes it), and leaves the queue.
      await page.getByText("You said: then the second task").waitFor({ timeout: T });
      await queue.waitFor({ state: "detached", timeout: T });
      await waitIdle(page);
      expect(await pageErrors(page, errors)).toEqual([]);
    });

    test("fork from the second prompt: a new conversation with the first exchange and that prompt ready to edit", async () => {
      await page.goto(`${w.t.url}/projects/${projectId}/chat`);
      w.fx.enqueue([{ text: "Noted: alpha." }]);
      await send(page, "remember alpha");
      await page.waitForURL(/session=ses_/, { timeout: START });
      const originalUrl = page.url();
      const originalId = new URL(originalUrl).searchParams.get("session");
      await page.getByText("Noted: alpha.").waitFor({ timeout: T });
      await waitIdle(page);
      w.fx.enqueue([{ text: "Noted: beta." }]);
      await send(page, "remember beta");
      await page.getByText("Noted: beta.").waitFor({ timeout: T });
      await waitIdle(page);

      // The action sits on stored user messages; on a desktop it shows on hover, on a phone always.
      const second = page.locator(".msg[data-role='user']:not(.pending)").nth(1);
      const forkButton = second.getByRole("button", { name: "Fork from here" });
      const opacity = () => forkButton.evaluate((b) => getComputedStyle(b.parentElement as Element).opacity);
      if (vp.name === "desktop") {
        await page.mouse.move(0, 0);
        expect(await opacity()).toBe("0");
        await second.hover();
        await page.waitForFunction(
          () => getComputedStyle(document.querySelectorAll(".msg-actions")[1] as Element).opacity === "1",
          undefined,
          { timeout: T },
        );
      } else expect(await opacity()).toBe("1");
      await forkButton.click();

      await page.waitForURL(
        (u) =>
          /^ses_/.test(u.searchParams.get("session") ?? "") && u.searchParams.get("session") !== originalId,
        { timeout: T },
      );
      const forkId = new URL(page.url()).searchParams.get("session");
      // The second prompt waits in the focused composer, ready to edit.
      await page.waitForFunction(
        () =>
          (document.getElementById("chat-input") as HTMLTextAreaElement | null)?.value === "remember beta",
        undefined,
        { timeout: T },
      );
      expect(await page.evaluate(() => document.activeElement?.id)).toBe("chat-input");
      // The new conversation is listed as a fork, and holds only the first exchange.
      await page.locator(".chat-title").getByText("remember alpha (fork)").waitFor({ timeout: T });
      if (vp.name === "phone") await page.getByRole("button", { name: "Conversations" }).click();
      const list = page.getByRole("navigation", { name: "Conversations" });
      await list.getByText("remember alpha (fork)").waitFor({ timeout: T });
      if (vp.name === "phone") await page.getByRole("button", { name: "Close conversations" }).click();

      await page.getByText("Noted: alpha.").waitFor({ timeout: T });
      const userTexts = () => page.locator(".msg[data-role='user'] .user-text").allTextContents();
      const replies = async () => (await assistantText(page)).map((t) => t.trim());
      expect(await userTexts()).toEqual(["remember alpha"]);
      expect(await replies()).toEqual(["Noted: alpha."]);
      await screenshot(page, `chat-${vp.name}-fork`);

      // Sending it runs on the branch.
      w.fx.enqueue([{ text: "Noted on the branch." }]);
      await composer(page).press("Enter");
      await page.getByText("Noted on the branch.").waitFor({ timeout: T });
      await waitIdle(page);
      expect(await userTexts()).toEqual(["remember alpha", "remember beta"]);
      expect(await replies()).toEqual(["Noted: alpha.", "Noted on the branch."]);
      expect(new URL(page.url()).searchParams.get("session")).toBe(forkId);

      // The original conversation is as it was.
      await page.goto(originalUrl);
      await page.getByText("Noted: beta.").waitFor({ timeout: T });
      await waitIdle(page);
      expect(await userTexts()).toEqual(["remember alpha", "remember beta"]);
      expect(await replies()).toEqual(["Noted: alpha.", "Noted: beta."]);
      expect(await pageErrors(page, errors)).toEqual([]);
    });

    test("a long conversation opens at its end (after a reload, from the drawer), and a reader who scrolled up is left alone", async () => {
      await page.goto(`${w.t.url}/projects/${projectId}/chat`);
      const marker = `[long-${vp.name}]`;
      scriptLongConversation(marker, 30);
      await send(page, `${marker} check every item`);
      await page.waitForURL(/session=ses_/, { timeout: START });
      longUrl = page.url();
      await page.getByText("The last message.").waitFor({ timeout: T });
      await waitIdle(page);
      w.fx.script(null);
      // It followed the end while 30 turns (text and a tool card each) streamed in.
      await expectAtEnd(page, "The last message.");
      expect(await page.locator(".timeline .msg").count()).toBeGreaterThan(30);

      // Opened afresh, from its last page (older ones load on scroll up), the view ends at the last message.
      await page.reload();
      await expectAtEnd(page, "The last message.");
      await screenshot(page, `chat-${vp.name}-long-opened`);
      if (vp.name === "phone") {
        // Picked from the drawer on a phone: the same.
        await page.goto(`${w.t.url}/projects/${projectId}/chat`);
        await page.getByRole("button", { name: "Conversations" }).click();
        await page
          .getByRole("navigation", { name: "Conversations" })
          .getByText(`${marker} check every item`)
          .click();
        await page.waitForURL(/session=ses_/, { timeout: START });
        await expectAtEnd(page, "The last message.");
      }

      // A new reply starts streaming while the reader is at the end…
      const g = gate();
      w.fx.enqueue([
        { text: "A fresh reply begins.", chunks: 2 },
        { until: g.p },
        {
          text: Array.from({ length: 30 }, (_, i) => `More text, paragraph ${i + 1}.`).join("\n\n"),
          chunks: 15,
        },
      ]);
      await send(page, "one more thing");
      await page.locator(".msg.streaming").getByText("A fresh reply begins.").waitFor({ timeout: T });
      await expectAtEnd(page, "A fresh reply begins.");
      // …who scrolls up with the wheel: "Latest" is offered…
      const box = await page.locator(".timeline").boundingBox();
      if (!box) throw new Error("no timeline");
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      await page.mouse.wheel(0, -900);
      const latest = page.getByRole("button", { name: "Latest" });
      await latest.waitFor({ timeout: T });
      await page.waitForFunction(() => (document.querySelector(".timeline")?.scrollTop ?? 0) > 0, undefined, {
        timeout: T,
      });
      await frames(page);
      const before = await anchorRow(page);
      expect(before).not.toBeNull();
      // …and the rest of the stream does not pull the view away from what they are reading.
      g.open();
      await page.getByText("paragraph 30.").waitFor({ state: "attached", timeout: T });
      await waitIdle(page);
      await frames(page);
      const after = await anchorRow(page);
      expect(after?.text).toBe(before?.text as string);
      expect(Math.abs((after?.offset ?? 0) - (before?.offset ?? 0))).toBeLessThanOrEqual(2);
      expect(await latest.isVisible()).toBe(true);
      expect((await lastMessage(page))?.inView).toBe(false);
      await screenshot(page, `chat-${vp.name}-long-scrolled-up`);

      // "Latest" brings the end back.
      await latest.click();
      await expectAtEnd(page, "paragraph 30.");
      expect(await pageErrors(page, errors)).toEqual([]);
    });

    test("switching to Files and back keeps the open conversation and the composer's draft", async () => {
      await page.goto(longUrl);
      const id = new URL(longUrl).searchParams.get("session");
      await expectAtEnd(page, "paragraph 30.");
      await composer(page).fill("a draft that must survive");
      await page.getByRole("tab", { name: "Files" }).click();
      await page.waitForURL(/\/files/, { timeout: T });
      await page.locator("#panel-files").waitFor({ state: "visible", timeout: T });
      await page.getByRole("tab", { name: "Chat" }).click();
      await page.waitForURL(/\/chat/, { timeout: T });
      expect(new URL(page.url()).searchParams.get("session")).toBe(id);
      await page.locator(".chat-title").getByText("check every item").waitFor({ timeout: T });
      expect(await composer(page).inputValue()).toBe("a draft that must survive");
      await expectAtEnd(page, "paragraph 30.");
      await composer(page).fill("");
      expect(await pageErrors(page, errors)).toEqual([]);
    });

    test("the chat tab fits the window: no page scroll, the composer wholly on screen", async () => {
      await page.goto(longUrl);
      await expectAtEnd(page, "paragraph 30.");
      await frames(page);
      const fit = await page.evaluate(() => {
        const box = document.getElementById("chat-input")?.closest(".composer")?.getBoundingClientRect();
        const bar = document.querySelector(".bottom-bar");
        const barTop =
          bar && getComputedStyle(bar).display !== "none"
            ? bar.getBoundingClientRect().top
            : window.innerHeight;
        return {
          overflow: (document.scrollingElement?.scrollHeight ?? 0) - window.innerHeight,
          composerTop: box?.top ?? -1,
          composerGap: barTop - (box?.bottom ?? Number.POSITIVE_INFINITY),
        };
      });
      expect(fit.overflow).toBeLessThanOrEqual(1);
      expect(fit.composerTop).toBeGreaterThan(0);
      expect(fit.composerGap).toBeGreaterThanOrEqual(0);
      await screenshot(page, `chat-${vp.name}-fit`);
      expect(await pageErrors(page, errors)).toEqual([]);
    });

    test("another user gets 'not found' for this project and this conversation", async () => {
      const other = await signedIn(vp, "mallory", "mallory-password-1");
      await other.page.goto(sessionUrl);
      await other.page.getByRole("heading", { name: "Project not found" }).waitFor({ timeout: T });
      // Her own project with this session id in the URL: still not found, never someone else's chat.
      const hers = await other.page.evaluate(async () => {
        const r = await fetch("/api/projects", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ name: "Mallory's" }),
        });
        return ((await r.json()) as { project: { id: string } }).project.id;
      });
      const sid = new URL(sessionUrl).searchParams.get("session");
      await other.page.goto(`${w.t.url}/projects/${hers}/chat?session=${sid}`);
      await other.page.getByRole("heading", { name: "Conversation not found" }).waitFor({ timeout: T });
      await screenshot(other.page, `chat-${vp.name}-not-found`);
      expect(await pageErrors(other.page, other.errors)).toEqual([]);
      await other.ctx.close();
    });
  });
}

import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import type { Browser, Page } from "rebrowser-playwright";
import { AgentTab, createProject, type SessionWorld, startWorld } from "../sessions/harness.ts";
import {
  ensureUiBuilt,
  launchChromium,
  pageErrors,
  screenshot,
  signedIn as signInAt,
  VIEWPORTS,
} from "./browser.ts";

/**
 * A long conversation (254 messages by default: six pages; `LONG_TURNS=95` makes the issue's ~2,000,
 * which takes many minutes to build and is what `bench/ui-render.ts` measures), made through the real server, runner, sandbox and pi (the
 * scripted LLM answers each request with a line and 20 `read` calls until the history is long
 * enough), opened in real Chromium at desktop and phone width: it opens at its end from its last
 * page (not a replay of its events), and the mouse wheel up loads the older pages one by one to its
 * first message — every message once, the row in view moving only by the wheel while pages go in
 * above it and their rows settle to their real height. Then the keyboard scrolls down and "Latest"
 * goes back to the end.
 */

setDefaultTimeout(1_800_000);
const T = 60_000;
const MARKER = "[long-2000] check every note";
const CALLS = 20;
const TURNS = Number(process.env.LONG_TURNS ?? 12);
/**
 * How far (px) the row in view may move other than by the wheel. Usually it moves at most 1 px
 * (sub-pixel layout); in some runs one check of a run sees 72 or 269 px, once (a row's 120 px
 * estimate against its real height, it seems; the exact case is not pinned down). Before the row was
 * held, it moved 8,000–13,000 px.
 */
const JUMP_SLACK = 400;
let w: SessionWorld;
let browser: Browser;
let url: string;
let events = 0;
let messages = 0;

beforeAll(async () => {
  await ensureUiBuilt();
  w = await startWorld();
  browser = await launchChromium();
  const projectId = await createProject(w.admin, "Long");
  w.fx.script((r) => {
    if (!r.messages.find((m) => m.role === "user")?.text.includes(MARKER)) return undefined;
    const turn = r.messages.filter((m) => m.role === "assistant").length + 1;
    if (turn > TURNS) return [{ text: "All notes checked. The last message." }];
    return [
      { text: `Step ${turn}: reading ${CALLS} notes.` },
      ...Array.from({ length: CALLS }, (_, i) => ({
        toolCall: { name: "read", args: { path: `notes/${turn}-${i}.txt` } },
      })),
    ];
  });
  const tab = await AgentTab.open(w.t.url, w.admin.cookie);
  const { session_id } = await tab.ok<{ session_id: string }>("session.create", { project_id: projectId });
  await tab.ok("session.subscribe", { session_id, after_seq: 0 });
  // pi started (it announces its state): a prompt sent while it starts waited minutes on a loaded machine.
  await tab.mux.waitFor(
    "session.state",
    () => tab.events(session_id).some((f) => f.event === "session.state"),
    600_000,
  );
  await tab.ok("prompt", { session_id, message: MARKER, client_id: "long-2000" }, 600_000);
  await tab.waitIdle(session_id, 1, 1_500_000);
  const ends = tab.events(session_id).filter((f) => f.event === "stream.message_end");
  messages = new Set(ends.map((f) => (f.message as { id: string }).id)).size;
  events = tab.events(session_id).length;
  await tab.close();
  w.fx.script(null);
  url = `${w.t.url}/projects/${projectId}/chat?session=${session_id}`;
}, 1_800_000);

afterAll(async () => {
  await browser?.close();
  await w?.stop();
});

/** Rows in the DOM: their message ids (each once?), first text, and where the first visible one is. */
const rows = (page: Page) =>
  page.evaluate(() => {
    const scroller = document.querySelector(".timeline") as HTMLElement;
    const els = [...document.querySelectorAll<HTMLElement>(".timeline .msg[data-msg-id]")];
    const view = scroller.getBoundingClientRect();
    const seen = els.find((e) => e.getBoundingClientRect().bottom > view.top + 1);
    return {
      ids: els.map((e) => e.dataset.msgId as string),
      steps: els.map((e) => /Step (\d+):/.exec(e.textContent ?? "")?.[1]).filter(Boolean) as string[],
      first: els[0]?.textContent ?? "",
      scrollTop: scroller.scrollTop,
      anchor: seen ? { id: seen.dataset.msgId as string, top: seen.getBoundingClientRect().top } : null,
    };
  });

/** At its end: the last message's end in view, the composer ready, no "Latest". */
const atItsEnd = (page: Page) =>
  page.waitForFunction(
    () => {
      const scroller = document.querySelector(".timeline");
      const last = [...document.querySelectorAll(".timeline .msg")].at(-1);
      const box = document.querySelector<HTMLTextAreaElement>("#chat-input");
      if (!scroller || !box || box.disabled || !last?.textContent?.includes("The last message."))
        return false;
      const v = scroller.getBoundingClientRect();
      const b = last.getBoundingClientRect();
      return b.bottom > v.top && b.bottom <= v.bottom + 1 && !document.querySelector(".jump");
    },
    undefined,
    { timeout: T, polling: "raf" },
  );

type AtWheel = { id: string; top: number; scrollTop: number };

const frames = (page: Page) =>
  page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));

for (const vp of VIEWPORTS) {
  describe(`a long conversation (${TURNS} turns of ${CALLS} tool calls) at ${vp.name} width (${vp.width}px)`, () => {
    let page: Page;
    let errors: string[];
    beforeAll(async () => {
      ({ page, errors } = await signInAt(browser, w.t.url, vp, w.t.admin.username, w.t.admin.password, T));
    });
    afterAll(async () => {
      await page?.context().close();
    });

    test("opens at its end from its last page; the wheel up loads older pages to the first message", async () => {
      expect(messages).toBe(TURNS * (CALLS + 1) + 2);
      let agentFrames = 0;
      page.on("websocket", (ws) =>
        ws.on("framereceived", ({ payload }) => {
          if (typeof payload === "string" && payload.startsWith('{"ch":"agent","session_id"')) agentFrames++;
        }),
      );
      await page.goto(url);
      // At its end: the last message's end in view, the composer ready, no "Latest".
      await atItsEnd(page);
      await frames(page);
      await screenshot(page, `chat-long-${vp.name}-end`);
      // Not a replay: the last turn's events reached the page, not the session's thousands.
      expect(agentFrames).toBeLessThan(300);
      expect(events).toBeGreaterThan(8 * agentFrames);
      const atEnd = await rows(page);
      expect(atEnd.steps.at(-1)).toBe(String(TURNS));
      expect(atEnd.ids.length).toBeLessThan(60);

      // The wheel, up, until the first message: every row once.
      const box = await page.locator(".timeline").boundingBox();
      if (!box) throw new Error("no timeline");
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      await page.evaluate(() => {
        const scroller = document.querySelector(".timeline") as HTMLElement;
        const w = window as unknown as { __atWheel: AtWheel | null };
        w.__atWheel = null;
        scroller.addEventListener(
          "wheel",
          () => {
            const view = scroller.getBoundingClientRect();
            const seen = [...scroller.querySelectorAll<HTMLElement>(".msg[data-msg-id]")].find(
              (e) => e.getBoundingClientRect().bottom > view.top + 1,
            );
            w.__atWheel = seen
              ? {
                  id: seen.dataset.msgId as string,
                  top: seen.getBoundingClientRect().top,
                  scrollTop: scroller.scrollTop,
                }
              : null;
          },
          { capture: true, passive: true },
        );
      });
      const steps = new Set<string>(atEnd.steps);
      const WHEEL = 1500;
      let before = atEnd;
      let sawEarlierNote = false;
      // How far the row in view moved other than by the wheel, per notch: at once, and a few frames on
      // (rows put in above it, estimated at 120 px, settle to their real height).
      const jumps: number[] = [];
      const topOf = (id: string) =>
        page.evaluate(
          (id) =>
            document.querySelector(`.timeline .msg[data-msg-id="${id}"]`)?.getBoundingClientRect().top ?? 0,
          id,
        );
      for (let i = 0; i < 2_000; i++) {
        await page.mouse.wheel(0, -WHEEL);
        await frames(page);
        const now = await rows(page);
        expect(new Set(now.ids).size).toBe(now.ids.length);
        for (const s of now.steps) steps.add(s);
        // Where the row in view was when the wheel turned (recorded by the page, before it scrolled):
        // it had not moved since the last look, and it moved by the wheel's distance only.
        const at = await page.evaluate(() => (window as unknown as { __atWheel: AtWheel | null }).__atWheel);
        if (at && now.ids.includes(at.id)) {
          if (before.anchor?.id === at.id) jumps.push(at.top - before.anchor.top);
          const top = await topOf(at.id);
          // The wheel moves the view by its distance, or to the top of the scroller if that is nearer.
          jumps.push(top - at.top - Math.min(WHEEL, at.scrollTop));
          await frames(page);
          await frames(page);
          jumps.push((await topOf(at.id)) - top);
        }
        if (!sawEarlierNote && (await page.getByText("Earlier messages load as you scroll up").isVisible())) {
          sawEarlierNote = true;
          await screenshot(page, `chat-long-${vp.name}-loading-older`);
          // A full-page screenshot resizes the view and back: let the rows settle after it.
          await frames(page);
          await frames(page);
        }
        before = await rows(page);
        if (before.scrollTop === 0 && before.first.includes(MARKER)) break;
      }
      const worst = Math.max(...jumps.map(Math.abs));
      console.log(
        `[${vp.name}] row in view moved other than by the wheel: at most ${Math.round(worst)} px over ${jumps.length} checks`,
      );
      if (worst > JUMP_SLACK) console.log(jumps.map(Math.round).join(" "));
      expect(worst).toBeLessThanOrEqual(JUMP_SLACK);
      expect(jumps.length).toBeGreaterThan(4);
      expect(before.first).toContain(MARKER);
      expect(before.scrollTop).toBe(0);
      // Every step of the conversation was on screen on the way, none twice at once.
      expect(steps.size).toBe(TURNS);
      await screenshot(page, `chat-long-${vp.name}-first`);

      // The keyboard scrolls it down from there (the rows held still do not fight it)…
      await page.locator(".timeline").focus();
      for (let i = 0; i < 3; i++) await page.keyboard.press("PageDown");
      await page.waitForFunction(
        (h) => (document.querySelector(".timeline")?.scrollTop ?? 0) > h,
        (await page.locator(".timeline").evaluate((e) => e.clientHeight)) * 1.5,
        { timeout: T, polling: "raf" },
      );
      expect((await rows(page)).anchor?.id).not.toBe(before.anchor?.id);
      // …and "Latest" goes back to the last message.
      await page.getByRole("button", { name: "Latest" }).click();
      await atItsEnd(page);
      expect(await pageErrors(page, errors)).toEqual([]);
    });
  });
}

#!/usr/bin/env bun
/**
 * `bun bench/ui-render.ts [--runs N] [--messages N]`: the chat UI in real Chromium against the
 * compiled `dist/bin/octo` (built first if stale), the scripted LLM fixture as the provider.
 *
 * (a) navigation → interactive chat: `goto` the URL of an existing conversation in a fresh browser
 *     context (signed in, cold cache) until the composer is enabled and the last message is on screen;
 *     median of N runs, timed in the page from navigation start.
 * (b) a long conversation (default 2,000 messages) made through the real stack: ONE prompt whose
 *     fixture script answers each model request with a line of text and a `bash` tool call until the
 *     history holds enough messages (each turn adds an assistant message and a tool result) — the
 *     agent really runs every call; nothing is written behind the server's back. Then: time to first
 *     render and to the last message on screen, DOM size, and long tasks (PerformanceObserver
 *     `longtask`) while the mouse wheel scrolls from the bottom to the first message.
 *
 * Prints numbers (and writes bench/results/ui-render.json); asserts nothing.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { Browser, Page } from "rebrowser-playwright";
import { ROOT } from "../test/build/built.ts";
import { type CompiledWorld, startCompiledWorld } from "../test/build/compiled-world.ts";
import { Client } from "../test/http/client.ts";
import { AgentTab } from "../test/sessions/harness.ts";
import { launchChromium } from "../test/ui/browser.ts";

const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: { runs: { type: "string" }, messages: { type: "string" } },
});
const RUNS = Number(values.runs ?? 5);
const MESSAGES = Number(values.messages ?? 2000);
const LONG_MARKER = "bench: a long conversation";

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const round = (n: number) => Number(n.toFixed(1));

/** One conversation made by prompting over the mux, as the UI would. Returns its chat URL. */
async function conversation(w: CompiledWorld, cookie: string, projectId: string, prompt: string) {
  const tab = await AgentTab.open(w.url, cookie);
  const { session_id } = await tab.ok<{ session_id: string }>("session.create", { project_id: projectId });
  await tab.ok("session.subscribe", { session_id, after_seq: 0 });
  // pi started (it announces its state): a prompt sent while it starts waited minutes on a loaded machine.
  await tab.mux.waitFor(
    "session.state",
    () => tab.events(session_id).some((f) => f.event === "session.state"),
    600_000,
  );
  // Starting an agent takes minutes on a machine loaded by parallel work.
  await tab.ok("prompt", { session_id, message: prompt, client_id: `bench-${session_id}` }, 600_000);
  await tab.waitIdle(session_id, 1, 30 * 60_000);
  // Counted from the stream (get_messages stops at 500): each final message ends once, by id.
  const ended = new Map<string, string>();
  for (const f of tab.events(session_id)) {
    const m = f.message as { id: string; role: string } | undefined;
    if (f.event === "stream.message_end" && m) ended.set(m.id, m.role);
  }
  const lastSeq = Math.max(0, ...tab.events(session_id).map((f) => Number(f.seq ?? 0)));
  await tab.close();
  const roles: Record<string, number> = {};
  for (const role of ended.values()) roles[role] = (roles[role] ?? 0) + 1;
  return {
    url: `${w.url}/projects/${projectId}/chat?session=${session_id}`,
    messages: ended.size,
    roles,
    lastSeq,
  };
}

/**
 * The fixture's answer to the long conversation: text plus a tool call per turn (usage kept small,
 * so pi never compacts), then a final reply once the history is long enough.
 */
function scriptLongConversation(w: CompiledWorld, messages: number) {
  const turns = Math.max(1, Math.ceil((messages - 2) / 2));
  w.fx.script((r) => {
    if (!r.messages.find((m) => m.role === "user")?.text.includes(LONG_MARKER)) return undefined;
    const done = r.messages.filter((m) => m.role === "tool").length;
    const usage = { usage: { input: 2000, output: 20 } };
    if (done >= turns) return [{ text: `All **${done}** steps checked. The last message.` }, usage];
    return [
      { text: `Step ${done + 1}: checking item \`${done + 1}\` — see **notes** below.`, chunks: 2 },
      { toolCall: { name: "bash", args: { command: `echo step ${done + 1}` } } },
      usage,
    ];
  });
  return turns;
}

/**
 * In the page, ms from navigation start until the composer is enabled and the last message holds
 * `lastText` — and, with `onScreen`, is inside the viewport.
 */
async function waitLast(page: Page, lastText: string, onScreen: boolean): Promise<number> {
  const handle = await page
    .waitForFunction(
      ([text, visible]) => {
        const box = document.querySelector<HTMLTextAreaElement>("#chat-input");
        const last = [...document.querySelectorAll(".msg")].at(-1);
        if (!box || box.disabled || !last?.textContent?.includes(text as string)) return false;
        const r = last.getBoundingClientRect();
        const seen = r.bottom > 0 && r.top < window.innerHeight && r.height > 0;
        return !visible || seen ? performance.now() : false;
      },
      [lastText, onScreen] as const,
      { polling: "raf", timeout: 60_000 },
    )
    .catch(async (e) => {
      await page.screenshot({ path: join(ROOT, "bench", "results", "ui-render-failed.png") });
      const last = await page.evaluate(() => [...document.querySelectorAll(".msg")].at(-1)?.textContent);
      throw new Error(`no last message "${lastText}" (last row: ${last?.slice(0, 120)})\n${e}`);
    });
  return Number(await handle.jsonValue());
}

async function openFresh(browser: Browser, w: CompiledWorld, cookie: string) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 820 } });
  await ctx.addCookies([{ name: "octo_session", value: cookie, url: w.url }]);
  // Long tasks from the very start of each page, kept where the bench can read and reset them.
  await ctx.addInitScript(() => {
    const w = window as unknown as { __longtasks: number[] };
    w.__longtasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.__longtasks.push(e.duration);
    }).observe({ type: "longtask", buffered: true });
  });
  return { ctx, page: await ctx.newPage() };
}

const longTasks = (page: Page) =>
  page.evaluate(() => (window as unknown as { __longtasks: number[] }).__longtasks.splice(0));
const domNodes = (page: Page) =>
  page.evaluate(() => ({
    nodes: document.getElementsByTagName("*").length,
    messages: document.querySelectorAll(".msg").length,
  }));

/** Wheel up over the timeline until the first message (the prompt) is rendered and scrolled to. */
async function wheelToTop(page: Page, firstText: string) {
  const box = await page.locator(".timeline").boundingBox();
  if (!box) throw new Error("no timeline on the page");
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  const t0 = performance.now();
  let wheels = 0;
  for (; wheels < 5000; wheels++) {
    await page.mouse.wheel(0, -400);
    // One frame between notches, as a hand on a wheel would give at least.
    const top = await page.evaluate(
      (text) =>
        new Promise<boolean>((resolve) =>
          requestAnimationFrame(() => {
            const t = document.querySelector(".timeline");
            const first = document.querySelector(".msg");
            resolve(!!t && t.scrollTop === 0 && !!first?.textContent?.includes(text));
          }),
        ),
      firstText,
    );
    if (top) break;
  }
  return { wheels: wheels + 1, ms: performance.now() - t0 };
}

mkdirSync(join(ROOT, "bench", "results"), { recursive: true });
const w = await startCompiledWorld();
let browser: Browser | undefined;
try {
  const admin = new Client(w.url);
  await admin.login(w.admin.username, w.admin.password);
  const cookie = admin.cookie ?? "";
  const project = await admin.post<{ project: { id: string } }>("/api/projects", { name: "UI bench" });
  if (project.status !== 201 && project.status !== 200)
    throw new Error(`creating the project: ${project.status} ${JSON.stringify(project.body)}`);
  const projectId = project.body.project.id;
  browser = await launchChromium();

  // (a) a short conversation: prompt, scripted reply.
  w.fx.enqueue([{ text: "Here is a short **answer** with `code` in it." }]);
  const short = await conversation(w, cookie, projectId, "a short question");
  const interactive: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const { ctx, page } = await openFresh(browser, w, cookie);
    await page.goto(short.url);
    interactive.push(await waitLast(page, "short answer", true));
    await ctx.close();
  }

  // (b) the long conversation.
  const turns = scriptLongConversation(w, MESSAGES);
  const made0 = performance.now();
  const long = await conversation(w, cookie, projectId, `${LONG_MARKER}: check every item`);
  const madeS = (performance.now() - made0) / 1000;
  const { ctx, page } = await openFresh(browser, w, cookie);
  // The replay is done when the page has received the session's last event (watched on its socket).
  let replayedAt = 0;
  const replayed = new Promise<void>((resolve) => {
    page.on("websocket", (ws) =>
      ws.on("framereceived", ({ payload }) => {
        if (typeof payload !== "string" || !payload.includes(`"seq":${long.lastSeq}`)) return;
        const f = JSON.parse(payload) as { ch?: string; seq?: number };
        if (f.ch === "agent" && f.seq === long.lastSeq && !replayedAt) {
          replayedAt = performance.now();
          resolve();
        }
      }),
    );
  });
  const t0 = performance.now();
  await page.goto(long.url);
  // Interactive at its end: the composer enabled and the last message on screen, from navigation start.
  const atEndPromise = waitLast(page, "The last message.", true).catch(() => Number.NaN);
  const firstRender = Number(
    await (
      await page.waitForFunction(() => document.querySelector(".msg") && performance.now(), undefined, {
        polling: "raf",
        timeout: 60_000,
      })
    ).jsonValue(),
  );
  await replayed;
  const replayMs = replayedAt - t0;
  // Two frames after the last event: what the reader sees now.
  const settledView = await page.evaluate(
    (text) =>
      new Promise<{ lastInDom: boolean; lastOnScreen: boolean; at: number }>((resolve) =>
        requestAnimationFrame(() =>
          requestAnimationFrame(() => {
            const last = [...document.querySelectorAll(".msg")].at(-1);
            const r = last?.getBoundingClientRect();
            resolve({
              lastInDom: !!last?.textContent?.includes(text),
              lastOnScreen: !!r && !!last?.textContent?.includes(text) && r.bottom > 0 && r.top < innerHeight,
              at: performance.now(),
            });
          }),
        ),
      ),
    "The last message.",
  );
  const openedAtEnd = settledView.lastOnScreen;
  const interactiveAtEnd = await atEndPromise;
  let latestClickMs: number | undefined;
  if (!openedAtEnd) {
    // A person presses "Latest" (timed from the click).
    const t = await page.evaluate(() => performance.now());
    await page.getByRole("button", { name: "Latest" }).click();
    latestClickMs = (await waitLast(page, "The last message.", true)) - t;
  }
  const loadTasks = await longTasks(page);
  const atBottom = await domNodes(page);
  const scroll = await wheelToTop(page, LONG_MARKER);
  const scrollTasks = await longTasks(page);
  const atTop = await domNodes(page);
  await ctx.close();

  const sum = (xs: number[]) => round(xs.reduce((a, b) => a + b, 0));
  const result = {
    date: new Date().toISOString(),
    cpus: cpus().length,
    loadavg: loadavg().map(round),
    interactive_ms: { runs: RUNS, median: round(median(interactive)), min: round(Math.min(...interactive)) },
    long: {
      messages: long.messages,
      roles: long.roles,
      events: long.lastSeq,
      agent_turns: turns,
      made_in_s: round(madeS),
      first_render_ms: round(firstRender),
      interactive_at_end_ms: Number.isNaN(interactiveAtEnd) ? null : round(interactiveAtEnd),
      history_received_ms: round(replayMs),
      last_message_in_dom_after_replay: settledView.lastInDom,
      opened_at_end: openedAtEnd,
      latest_click_to_last_on_screen_ms: latestClickMs === undefined ? null : round(latestClickMs),
      load_long_tasks: {
        count: loadTasks.length,
        total_ms: sum(loadTasks),
        max_ms: round(Math.max(0, ...loadTasks)),
      },
      scroll: { wheel_notches: scroll.wheels, ms: round(scroll.ms) },
      scroll_long_tasks: {
        count: scrollTasks.length,
        total_ms: sum(scrollTasks),
        max_ms: round(Math.max(0, ...scrollTasks)),
      },
      dom_at_bottom: atBottom,
      dom_at_top: atTop,
    },
  };
  mkdirSync(join(ROOT, "bench", "results"), { recursive: true });
  writeFileSync(join(ROOT, "bench", "results", "ui-render.json"), `${JSON.stringify(result, null, 2)}\n`);

  const l = result.long;
  console.log(
    `chat UI on the compiled octo, Chromium 1280×820 (${result.cpus} cpus, load ${result.loadavg.join(" ")})`,
  );
  console.log(
    `  (a) goto → interactive chat (short conversation)   median ${result.interactive_ms.median} ms (min ${result.interactive_ms.min}, ${RUNS} runs, fresh context each)`,
  );
  console.log(
    `  (b) conversation of ${l.messages} messages (${JSON.stringify(l.roles)}; ${l.events} events; ${turns} agent turns, made in ${l.made_in_s} s)`,
  );
  console.log(`      goto → first message rendered                 ${l.first_render_ms} ms`);
  console.log(
    `      goto → interactive at its end                 ${l.interactive_at_end_ms ?? "never (see below)"} ms (composer enabled, last message on screen)`,
  );
  console.log(
    `      goto → last event received on the socket      ${l.history_received_ms} ms (last message then in the DOM: ${l.last_message_in_dom_after_replay ? "yes" : "no"})`,
  );
  console.log(
    `      opened at the end                             ${l.opened_at_end ? "yes" : `NO (scrolled up; "Latest" → last on screen ${l.latest_click_to_last_on_screen_ms} ms)`}`,
  );
  console.log(
    `      long tasks while loading                      ${l.load_long_tasks.count}, ${l.load_long_tasks.total_ms} ms total (max ${l.load_long_tasks.max_ms})`,
  );
  console.log(
    `      wheel bottom → top                            ${l.scroll.wheel_notches} notches in ${l.scroll.ms} ms`,
  );
  console.log(
    `      long tasks while scrolling                    ${l.scroll_long_tasks.count}, ${l.scroll_long_tasks.total_ms} ms total (max ${l.scroll_long_tasks.max_ms})`,
  );
  console.log(
    `      DOM at the bottom / at the top                ${l.dom_at_bottom.nodes} / ${l.dom_at_top.nodes} elements (${l.dom_at_bottom.messages} / ${l.dom_at_top.messages} .msg rows)`,
  );
} finally {
  await browser?.close();
  await w.stop();
}

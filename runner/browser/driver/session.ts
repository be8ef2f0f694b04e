import type { Browser, BrowserContext, CDPSession, Locator, Page } from "rebrowser-playwright";
import type {
  BrowserControl,
  BrowserDriverState,
  BrowserResult,
  BrowserState,
  BrowserVerb,
  DriverPush,
} from "../../../src/protocol/browser.ts";
import { RefTable, snapshotDiff } from "./refs.ts";
import { dispatchInput, TakeoverNotes } from "./takeover.ts";

/** A failure the model can act on: it becomes `browser_failed` with this message. */
export class ActionError extends Error {}

const ACTION_TIMEOUT_MS = 10_000;
const LOAD_TIMEOUT_MS = 30_000;
const SCROLL_PX = 600;

interface PageState {
  refs: RefTable;
  /** The last snapshot the model was shown (stable refs), for "what changed". */
  last: string;
}

/**
 * One session's browser, as the model sees it: tabs, the current one, stable refs per page.
 * Every action answers with the page's URL and title and the snapshot lines that changed.
 */
export class BrowserSession {
  private readonly pages = new WeakMap<Page, PageState>();
  private current: Page | null = null;
  private cast: { page: Page; cdp: CDPSession } | null = null;
  private action: string | null = null;
  driver: BrowserDriverState = "idle";
  ask: string | null = null;

  constructor(
    readonly browser: Browser,
    readonly context: BrowserContext,
    private readonly push: (line: DriverPush) => void,
  ) {
    context.on("page", (page) => {
      this.current = page; // a popup or target=_blank: the agent follows it
      this.watch(page);
      void this.follow().catch(() => {});
    });
  }

  private watch(page: Page): void {
    page.on("framenavigated", (frame) => {
      if (frame === page.mainFrame()) void this.pushState();
    });
    page.on("load", () => void this.pushState());
    // The last tab closed: open a fresh one to follow (not while the browser itself is closing).
    page.on("close", () => void this.follow().catch(() => {}));
  }

  /** The screencast follows the current tab: frames of one page at a time. */
  async follow(): Promise<void> {
    const page = await this.page();
    if (this.cast?.page === page) return;
    const old = this.cast;
    this.cast = null;
    if (old) await old.cdp.detach().catch(() => {});
    const cdp = await this.context.newCDPSession(page);
    this.cast = { page, cdp };
    cdp.on("Page.screencastFrame", (frame) => {
      // Acknowledged at once: the runner and the server keep only the newest frame, so a slow viewer
      // skips frames instead of Chromium pausing for it.
      void cdp.send("Page.screencastFrameAck", { sessionId: frame.sessionId }).catch(() => {});
      this.push({
        event: "frame",
        data: frame.data,
        width: Math.max(1, Math.round(frame.metadata.deviceWidth ?? 1)),
        height: Math.max(1, Math.round(frame.metadata.deviceHeight ?? 1)),
      });
    });
    await cdp.send("Page.startScreencast", { format: "jpeg", quality: 70, maxWidth: 1280, maxHeight: 800 });
    await this.pushState();
  }

  /** The page's CDP session for input the person sends (take control). */
  async input(): Promise<CDPSession> {
    await this.follow();
    return (this.cast as { cdp: CDPSession }).cdp;
  }

  async state(): Promise<BrowserState> {
    const current = await this.page();
    const tabs = await Promise.all(
      this.context.pages().map(async (p) => ({
        url: p.url(),
        title: await p.title().catch(() => ""),
        current: p === current,
      })),
    );
    return {
      driver: this.driver,
      url: current.url(),
      title: await current.title().catch(() => ""),
      tabs,
      action: this.action,
      ask: this.ask,
    };
  }

  async pushState(): Promise<void> {
    const state = await this.state().catch(() => null);
    if (state) this.push({ event: "state", state });
  }

  private notes: TakeoverNotes | null = null;

  /** The person takes the browser: the agent's commands wait in the runner until they hand it back. */
  async take(): Promise<BrowserResult> {
    this.driver = "user";
    this.notes ??= new TakeoverNotes(this.context);
    await this.notes.start();
    await this.pushState();
    return { text: "" };
  }

  /** They hand it back: the note says what they did and where the page is now. */
  async release(): Promise<BrowserResult> {
    const did = (await this.notes?.finish()) ?? "";
    this.driver = "idle";
    this.ask = null;
    const page = await this.page();
    await this.pushState();
    return {
      text: `The user handed the browser back. While they had it they:\n${did}\nNow:\n${await this.header(page)}\n`,
    };
  }

  async control(input: BrowserControl): Promise<BrowserResult> {
    if (input.type === "take") return this.take();
    if (input.type === "release") return this.release();
    await dispatchInput(await this.input(), input);
    return { text: "" };
  }

  /** `run`, announced: viewers see which action the agent is taking. */
  async act(verb: BrowserVerb, args: Record<string, unknown>): Promise<BrowserResult> {
    const shown = ["fill", "type"].includes(verb) ? "" : Object.values(args).map(String).join(" ");
    this.action = `${verb}${shown ? ` ${shown}` : ""}`.slice(0, 200);
    if (this.driver === "idle") this.driver = "agent";
    await this.pushState();
    try {
      return await this.run(verb, args);
    } finally {
      this.action = null;
      if (this.driver === "agent") this.driver = "idle";
      await this.follow().catch(() => {});
      await this.pushState();
    }
  }

  private pageState(page: Page): PageState {
    let s = this.pages.get(page);
    if (!s) {
      s = { refs: new RefTable(), last: "" };
      this.pages.set(page, s);
    }
    return s;
  }

  async page(): Promise<Page> {
    if (this.current && !this.current.isClosed()) return this.current;
    const open = this.context.pages().filter((p) => !p.isClosed());
    this.current = open.at(-1) ?? (await this.context.newPage());
    if (open.length === 0) this.watch(this.current);
    return this.current;
  }

  private async snapshot(page: Page): Promise<string> {
    const raw = await page
      .locator(":root")
      .ariaSnapshot({ ref: true, timeout: ACTION_TIMEOUT_MS } as Parameters<Locator["ariaSnapshot"]>[0]);
    return this.pageState(page).refs.render(raw).text;
  }

  private async locate(page: Page, ref: string): Promise<Locator> {
    await this.snapshot(page); // maps stable refs onto the page as it is now
    const selector = this.pageState(page).refs.selector(ref);
    if (!selector) throw new ActionError(`${ref} is not on the page any more; run snapshot for current refs`);
    return page.locator(selector);
  }

  private async header(page: Page): Promise<string> {
    const title = await page.title().catch(() => "");
    return `URL: ${page.url()}\nTitle: ${title}`;
  }

  /** After an action: settle, then URL, title and the snapshot lines that changed. */
  private async report(page: Page, done: string): Promise<BrowserResult> {
    await page.waitForLoadState("load", { timeout: LOAD_TIMEOUT_MS }).catch(() => {});
    const now = await this.page();
    const state = this.pageState(now);
    const before = now === page ? state.last : "";
    const after = await this.snapshot(now).catch(() => "");
    state.last = after;
    const diff = snapshotDiff(before, after);
    if (!before) return { text: `${done}\n${await this.header(now)}\nPage:\n${after}\n` };
    const changed = diff.length ? diff.join("\n") : "no visible change";
    return { text: `${done}\n${await this.header(now)}\nChanged:\n${changed}\n` };
  }

  async run(verb: BrowserVerb, args: Record<string, unknown>): Promise<BrowserResult> {
    const page = await this.page();
    const s = (k: string) => String(args[k] ?? "");
    switch (verb) {
      case "open": {
        const response = await page.goto(s("url"), { waitUntil: "load", timeout: LOAD_TIMEOUT_MS });
        const status = response ? ` (HTTP ${response.status()})` : "";
        this.pageState(page).last = "";
        return this.report(page, `opened ${s("url")}${status}`);
      }
      case "snapshot": {
        const text = await this.snapshot(page);
        this.pageState(page).last = text;
        return { text: `${await this.header(page)}\n${text}\n` };
      }
      case "click":
        await (await this.locate(page, s("ref"))).click({ timeout: ACTION_TIMEOUT_MS });
        return this.report(page, `clicked ${s("ref")}`);
      case "fill":
        await (await this.locate(page, s("ref"))).fill(s("text"), { timeout: ACTION_TIMEOUT_MS });
        return this.report(page, `filled ${s("ref")}`);
      case "select": {
        const chosen = await (await this.locate(page, s("ref"))).selectOption(s("value"), {
          timeout: ACTION_TIMEOUT_MS,
        });
        return this.report(page, `selected ${chosen.join(", ") || "nothing"} in ${s("ref")}`);
      }
      case "type":
        await page.keyboard.type(s("text"));
        return this.report(page, `typed ${s("text").length} characters`);
      case "press":
        await page.keyboard.press(s("key"));
        return this.report(page, `pressed ${s("key")}`);
      case "scroll": {
        const d = s("direction");
        const dx = d === "left" ? -SCROLL_PX : d === "right" ? SCROLL_PX : 0;
        const dy = d === "up" ? -SCROLL_PX : d === "down" ? SCROLL_PX : 0;
        await page.mouse.wheel(dx, dy);
        return this.report(page, `scrolled ${d}`);
      }
      case "back":
        await page.goBack({ timeout: LOAD_TIMEOUT_MS });
        return this.report(page, "went back");
      case "forward":
        await page.goForward({ timeout: LOAD_TIMEOUT_MS });
        return this.report(page, "went forward");
      case "reload":
        await page.reload({ timeout: LOAD_TIMEOUT_MS });
        return this.report(page, "reloaded");
      case "url":
        return { text: `${await this.header(page)}\n` };
      case "tabs":
        return { text: await this.tabList() };
      case "tab": {
        const pages = this.context.pages();
        const target = pages[Number(args.index) - 1];
        if (!target) throw new ActionError(`no tab ${args.index}; there are ${pages.length}`);
        this.current = target;
        await target.bringToFront();
        await this.follow();
        return { text: `${await this.header(target)}\n` };
      }
      case "screenshot": {
        const png = await page.screenshot({ timeout: ACTION_TIMEOUT_MS });
        return { text: `${await this.header(page)}\n`, png_base64: png.toString("base64") };
      }
      case "wait":
        return this.wait(page, s("for"));
      case "eval": {
        const value = await page.evaluate(s("js"));
        return { text: `${JSON.stringify(value, null, 2) ?? "undefined"}\n` };
      }
      case "ask":
        this.ask = s("question");
        return { text: "" };
      case "close":
      case "lock":
        return { text: "" };
    }
  }

  private async wait(page: Page, what: string): Promise<BrowserResult> {
    if (what === "load") {
      await page.waitForLoadState("load", { timeout: LOAD_TIMEOUT_MS });
    } else if (/^@?e\d+$/.test(what)) {
      await (await this.locate(page, what)).waitFor({ state: "visible", timeout: LOAD_TIMEOUT_MS });
    } else {
      await page.getByText(what).first().waitFor({ state: "visible", timeout: LOAD_TIMEOUT_MS });
    }
    return this.report(page, `waited for ${what}`);
  }

  private async tabList(): Promise<string> {
    const lines = await Promise.all(
      this.context.pages().map(async (p, i) => {
        const mark = p === this.current ? "*" : " ";
        return `${mark} ${i + 1}. ${await p.title().catch(() => "")} — ${p.url()}`;
      }),
    );
    return `${lines.join("\n")}\n`;
  }
}

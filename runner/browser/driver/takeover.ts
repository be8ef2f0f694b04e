import type { BrowserContext, CDPSession } from "rebrowser-playwright";
import type { BrowserControl } from "../../../src/protocol/browser.ts";

interface FieldChange {
  label: string;
  type: string;
  /** Null for password fields: their text never reaches the note. */
  value: string | null;
}

/**
 * Runs in every page: notes fields the person changed (never a password's text) in sessionStorage,
 * which survives the form's own submit-and-navigate and is shared by every JavaScript world of the
 * page (rebrowser-playwright evaluates in an isolated world, where page bindings are not seen).
 */
const FIELD_SCRIPT = `(() => {
  const root = document.documentElement;
  if (!root || root.dataset.octoWatched) return;
  root.dataset.octoWatched = "1";
  document.addEventListener("change", (e) => {
    const el = e.target;
    if (!(el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement)) return;
    if (sessionStorage.getItem("__octo_recording") !== "1") return;
    const label = (el.labels && el.labels[0] && el.labels[0].textContent) || el.getAttribute("aria-label") || el.name || el.id || el.tagName.toLowerCase();
    const type = el instanceof HTMLInputElement ? el.type : el.tagName.toLowerCase();
    const value = type === "password" ? null : String(el.value).slice(0, 200);
    const list = JSON.parse(sessionStorage.getItem("__octo_fields") || "[]");
    list.push({ label: label.trim().slice(0, 80), type, value });
    sessionStorage.setItem("__octo_fields", JSON.stringify(list.slice(-50)));
  }, true);
})();`;

const START = `(() => { try { sessionStorage.setItem("__octo_recording", "1"); sessionStorage.removeItem("__octo_fields"); } catch {} })()`;
const COLLECT = `(() => { try { const v = sessionStorage.getItem("__octo_fields"); sessionStorage.removeItem("__octo_fields"); sessionStorage.removeItem("__octo_recording"); return v || "[]"; } catch { return "[]"; } })()`;

/**
 * What the person did while they held the browser, for the note the agent gets when they hand it
 * back: pages they went to and fields they changed. Recording runs only while they hold it.
 */
export class TakeoverNotes {
  private recording = false;
  private navigations: string[] = [];
  private installed = false;

  constructor(private readonly context: BrowserContext) {}

  async start(): Promise<void> {
    this.navigations = [];
    this.recording = true;
    if (!this.installed) {
      this.installed = true;
      await this.context.addInitScript(FIELD_SCRIPT);
      this.context.on("page", (page) => this.follow(page));
      for (const page of this.context.pages()) this.follow(page);
    }
    for (const page of this.context.pages()) {
      await page.evaluate(FIELD_SCRIPT).catch(() => {});
      await page.evaluate(START).catch(() => {});
    }
  }

  private follow(page: import("rebrowser-playwright").Page): void {
    page.on("framenavigated", (frame) => {
      if (!this.recording || frame !== page.mainFrame()) return;
      const url = frame.url();
      if (this.navigations.at(-1) !== url) this.navigations.push(url);
    });
  }

  /** Stops recording and says what happened, in a few lines. */
  async finish(): Promise<string> {
    this.recording = false;
    const fields: FieldChange[] = [];
    for (const page of this.context.pages()) {
      const raw = await page.evaluate(COLLECT).catch(() => "[]");
      try {
        fields.push(...(JSON.parse(String(raw)) as FieldChange[]));
      } catch {
        // a page that answered nonsense: nothing to report from it
      }
    }
    const lines: string[] = [];
    for (const url of this.navigations) lines.push(`- went to ${url}`);
    for (const f of fields)
      lines.push(
        f.value === null
          ? `- typed into the ${f.type} field "${f.label}" (text not shown)`
          : `- set "${f.label}" (${f.type}) to ${JSON.stringify(f.value)}`,
      );
    return lines.length
      ? lines.join("\n")
      : "- nothing you can see in the page (no navigation, no field changed)";
  }
}

/** The person's mouse, keys and paste, as CDP Input events on the current page. */
export async function dispatchInput(cdp: CDPSession, input: BrowserControl): Promise<void> {
  switch (input.type) {
    case "mouse":
      await cdp.send("Input.dispatchMouseEvent", {
        type: input.kind,
        x: input.x,
        y: input.y,
        button: input.button,
        clickCount: input.click_count,
        deltaX: input.delta_x,
        deltaY: input.delta_y,
        modifiers: input.modifiers,
      });
      return;
    case "key":
      await cdp.send("Input.dispatchKeyEvent", {
        type:
          input.kind === "keyDown" && input.text
            ? "keyDown"
            : input.kind === "keyDown"
              ? "rawKeyDown"
              : "keyUp",
        key: input.key,
        code: input.code,
        text: input.kind === "keyDown" ? input.text : undefined,
        modifiers: input.modifiers,
        windowsVirtualKeyCode: virtualKey(input.key),
      });
      return;
    case "text":
      await cdp.send("Input.insertText", { text: input.text });
      return;
  }
}

/** Keys whose behaviour (Enter submits, Backspace deletes…) needs a virtual key code in CDP. */
function virtualKey(key: string): number | undefined {
  const table: Record<string, number> = {
    Backspace: 8,
    Tab: 9,
    Enter: 13,
    Escape: 27,
    " ": 32,
    PageUp: 33,
    PageDown: 34,
    End: 35,
    Home: 36,
    ArrowLeft: 37,
    ArrowUp: 38,
    ArrowRight: 39,
    ArrowDown: 40,
    Delete: 46,
  };
  if (key in table) return table[key];
  if (key.length === 1) return key.toUpperCase().charCodeAt(0);
  return undefined;
}

import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { lstatSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Locator, Page } from "rebrowser-playwright";
import { storeDirFor } from "../../runner/review/store.ts";
import { AGENT_HOME } from "../../src/shared/paths.ts";
import { createProject, type SessionWorld, startWorld } from "../sessions/harness.ts";
import {
  ensureUiBuilt,
  launchChromium,
  pageErrors,
  screenshot,
  signedIn as signInAt,
  VIEWPORTS,
} from "./browser.ts";

/**
 * A long diff in the Changes view, windowed: only the rows in and near view are in the DOM, the
 * first rows are at the top, walking to the end never shows a gap (wrapped lines included: their
 * measured heights place the rows after them), the last hunk is reached (the second page fetched on
 * the way) and discarding it changes the right lines — side by side at desktop, unified at phone
 * width, in real Chromium against the real server, runner, sandbox and pi.
 */

setDefaultTimeout(360_000);
const T = 60_000;
const START = 240_000;
let w: SessionWorld;
let browser: Browser;
const dirs: string[] = [];

beforeAll(async () => {
  await ensureUiBuilt();
  w = await startWorld();
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await w?.stop();
  for (const d of dirs)
    rmSync(storeDirFor(d, join(AGENT_HOME, ".local", "state", "octo", "checkpoints")), {
      recursive: true,
      force: true,
    });
});

/** 3,000 lines; the agent changes every tenth (300 changes, ~2,700 diff lines: two pages) and a long one. */
const LINES = 3000;
const LONG_AT = 1005;
const ORIGINAL = `${Array.from({ length: LINES }, (_, i) =>
  i === LONG_AT ? `// ${"word ".repeat(600)}` : `export const v${i} = ${i};`,
).join("\n")}\n`;
const COMMAND = "sed -i -E -e 's/= ([0-9]*0);$/= \\1 + 1;/' -e 's/word word/WORD word/' long.ts";

async function projectDir(projectId: string): Promise<string> {
  const r = await w.admin.get<{ project: { slug: string } }>(`/api/projects/${projectId}`);
  return w.t.server.ctx.services.placement.project(w.t.admin.username, r.body.project.slug).projectDir;
}

/** Whether `row` is (at least partly) inside the diff's scrolled viewport. */
async function onScreen(diff: Locator, row: Locator): Promise<boolean> {
  const [d, r] = await Promise.all([diff.boundingBox(), row.boundingBox()]);
  return !!d && !!r && r.y + r.height > d.y && r.y < d.y + d.height;
}

for (const vp of VIEWPORTS) {
  const mode = vp.name === "desktop" ? "Side by side" : "Unified";
  const rowSel = vp.name === "desktop" ? ".diff-pair" : ".diff-line";
  describe(`a long diff at ${vp.name} width (${vp.width}px, ${mode.toLowerCase()})`, () => {
    let page: Page;
    let errors: string[];
    let dir: string;

    beforeAll(async () => {
      const projectId = await createProject(w.admin, `Long diff ${vp.name}`);
      dir = await projectDir(projectId);
      dirs.push(dir);
      writeFileSync(join(dir, "long.ts"), ORIGINAL);
      const owner = lstatSync(dir);
      Bun.spawnSync(["chown", "-R", `${owner.uid}:${owner.gid}`, dir]);
      ({ page, errors } = await signInAt(browser, w.t.url, vp, w.t.admin.username, w.t.admin.password, T));
      await page.goto(`${w.t.url}/projects/${projectId}/chat`);
      await page.getByLabel("Message", { exact: true }).waitFor({ timeout: T });
      w.fx.enqueue(
        [{ toolCall: { name: "bash", args: { command: COMMAND } } }],
        [{ text: "Edited long.ts." }],
      );
      await page.getByLabel("Message", { exact: true }).fill("edit long.ts");
      await page.getByLabel("Message", { exact: true }).press("Enter");
      await page.waitForURL(/session=ses_/, { timeout: START });
      await page.locator(".activity.idle").waitFor({ timeout: T });
      await page.getByText("Edited long.ts.").waitFor({ timeout: T });
    });
    afterAll(async () => {
      await page?.context().close();
    });

    test("the diff is windowed, scrolls to its last hunk without gaps, and the last hunk is discarded", async () => {
      await page.getByRole("button", { name: "Changes" }).click();
      const dialog = page.getByRole("region", { name: "Changes in this conversation" });
      await dialog
        .getByRole("list", { name: "Changed files" })
        .getByRole("button", { name: /long\.ts/ })
        .click();
      // The layout this width opens with.
      expect(await dialog.getByRole("button", { name: mode }).getAttribute("aria-pressed")).toBe("true");
      const diff = dialog.locator(".diff");
      const first = dialog.locator(rowSel).filter({ hasText: "v0 = 0" }).first();
      await first.waitFor({ timeout: T });

      // The top: the first hunk's header, then its first lines, on screen.
      expect(await dialog.locator(".diff-hunk").first().textContent()).toContain("@@ -1,4 +1,4 @@");
      expect(await onScreen(diff, dialog.locator(".diff-hunk").first())).toBe(true);
      expect(await onScreen(diff, first)).toBe(true);
      expect(await dialog.locator(`${rowSel} code .hljs-keyword`).count()).toBeGreaterThan(0);
      // Windowed: a few screens of rows, not the ~2,700 of the first page.
      const rendered = await dialog.locator(`${rowSel}, .diff-hunk`).count();
      expect(rendered).toBeGreaterThan(10);
      expect(rendered).toBeLessThan(200);
      expect(await dialog.getByText(/^Showing 1500 of \d+ lines\.$/).count()).toBe(1);
      await first.scrollIntoViewIfNeeded(); // the panel around the diff scrolls too, at phone width
      await screenshot(page, `review-long-top-${vp.name}`);

      // Walk to the end a screen at a time; two frames after each step the rendered rows must
      // cover the viewport with no gap and no overlap, and be contiguous. The next page is fetched
      // on the way.
      const walk = await diff.evaluate(
        (el: HTMLElement, sel: string) =>
          new Promise<{ steps: number; gaps: string[]; tallest: number; maxRendered: number }>((resolve) => {
            const gaps: string[] = [];
            let steps = 0;
            let tallest = 0;
            let maxRendered = 0;
            const frame = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
            const check = () => {
              const box = el.getBoundingClientRect();
              const rows = [...el.querySelectorAll<HTMLElement>(`${sel}, .diff-hunk`)];
              maxRendered = Math.max(maxRendered, rows.length);
              const idx = rows.map((r) => Number(r.dataset.i));
              if (idx.some((n, k) => k > 0 && n !== (idx[k - 1] as number) + 1))
                gaps.push(`step ${steps}: rows not contiguous`);
              let prev: DOMRect | null = null;
              for (const r of rows) {
                const b = r.getBoundingClientRect();
                tallest = Math.max(tallest, b.height);
                if (prev && Math.abs(b.top - prev.bottom) > 1)
                  gaps.push(`step ${steps}: rows apart at ${r.dataset.i}`);
                prev = b;
              }
              const top = rows[0]?.getBoundingClientRect();
              const bottom = rows.at(-1)?.getBoundingClientRect();
              const table = el.querySelector(".diff-table") as HTMLElement;
              const tableBox = table.getBoundingClientRect();
              const viewTop = Math.max(box.top, tableBox.top);
              const viewBottom = Math.min(box.top + el.clientHeight, tableBox.bottom);
              if (!top || top.top > viewTop + 1)
                gaps.push(`step ${steps}: blank above (${top?.top} > ${viewTop})`);
              if (!bottom || bottom.bottom < viewBottom - 1)
                gaps.push(`step ${steps}: blank below (${bottom?.bottom} < ${viewBottom})`);
            };
            const step = async () => {
              await frame();
              check();
              const atEnd = el.scrollTop + el.clientHeight >= el.scrollHeight - 1;
              const more = el.querySelector(".diff-more") !== null;
              if (atEnd && !more && el.getAttribute("aria-busy") === "false") {
                // Settled at the end: the last row ends where the table does.
                const rows = [...el.querySelectorAll<HTMLElement>(`${sel}, .diff-hunk`)];
                const table = el.querySelector(".diff-table") as HTMLElement;
                const end =
                  (rows.at(-1)?.getBoundingClientRect().bottom ?? 0) - table.getBoundingClientRect().bottom;
                if (Math.abs(end) > 1) gaps.push(`the last row ends ${end}px from the table's end`);
                return resolve({ steps, gaps, tallest, maxRendered });
              }
              if (steps++ > 2000)
                return resolve({ steps, gaps: [...gaps, "never reached the end"], tallest, maxRendered });
              el.scrollTop += Math.floor(el.clientHeight * 0.9);
              void step();
            };
            void step();
          }),
        rowSel,
      );
      expect(walk.gaps).toEqual([]);
      expect(walk.steps).toBeGreaterThan(20);
      expect(walk.maxRendered).toBeLessThan(300);
      if (vp.name === "desktop")
        expect(walk.tallest).toBeGreaterThan(100); // the long line, wrapped
      else expect(await diff.evaluate((el) => el.scrollWidth > el.clientWidth)).toBe(true); // not wrapped

      // The end: the last change and its hunk's header, on screen.
      const last = dialog.locator(rowSel).filter({ hasText: "v2990 = 2990 + 1" }).first();
      await last.waitFor({ timeout: T });
      expect(await onScreen(diff, last)).toBe(true);
      const lastHead = dialog.locator(".diff-hunk").last();
      expect(await onScreen(diff, lastHead)).toBe(true);
      expect(await lastHead.textContent()).toContain("@@ -2988,");
      await last.scrollIntoViewIfNeeded();
      await screenshot(page, `review-long-end-${vp.name}`);

      // Discard that last hunk: only its line goes back.
      const discard = lastHead.getByRole("button", { name: /^Discard this change \(hunk \d+\)$/ });
      // In sight without scrolling sideways, though unified lines are wider than the view.
      const [d, b] = await Promise.all([diff.boundingBox(), discard.boundingBox()]);
      expect(b && d && b.x >= d.x && b.x + b.width <= d.x + d.width).toBe(true);
      // 299 hunks: each page appended once, numbered on from the one before.
      expect(await discard.getAttribute("aria-label")).toBe("Discard this change (hunk 299)");
      await discard.click();
      await dialog
        .getByRole("group", { name: "Discard this change?" })
        .getByRole("button", { name: "Discard" })
        .click();
      await dialog
        .getByText("Discarded one change in long.ts.")
        .waitFor({ timeout: T })
        .catch(async (e) => {
          await screenshot(page, `review-long-discard-failed-${vp.name}`);
          throw new Error(
            `${e}; the confirm says: ${await dialog.locator(".inline-confirm").allTextContents()}`,
          );
        });
      const after = readFileSync(join(dir, "long.ts"), "utf8");
      expect(after).toContain("export const v2990 = 2990;\n");
      expect(after).toContain("export const v2980 = 2980 + 1;\n");
      expect(after).toContain("// WORD word");
      // Reloaded from the top, with one hunk fewer.
      await dialog.locator(".diff-hunk").first().waitFor({ timeout: T });
      expect(await dialog.locator(".diff-hunk").first().textContent()).toContain("@@ -1,4 +1,4 @@");
      expect(await pageErrors(page, errors)).toEqual([]);
    });
  });
}

import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, lstatSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "rebrowser-playwright";
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
  type Viewport,
} from "./browser.ts";

/**
 * Review and undo in real Chromium against the real server, runner, sandbox and pi: a turn's
 * changes in the Changes dialog (unified and side by side), one hunk discarded and the discard
 * undone, the files restored to before the message (with the person's edit named) and the restore
 * undone; the project's Changes tab — at desktop and phone width.
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

const signedIn = (vp: Viewport) => signInAt(browser, w.t.url, vp, w.t.admin.username, w.t.admin.password, T);
const lines = (n: number, f: (i: number) => string) =>
  `${Array.from({ length: n }, (_, i) => f(i)).join("\n")}\n`;
const ORIGINAL = lines(40, (i) => `export const v${i} = ${i};`);

async function projectDir(projectId: string): Promise<string> {
  const r = await w.admin.get<{ project: { slug: string } }>(`/api/projects/${projectId}`);
  return w.t.server.ctx.services.placement.project(w.t.admin.username, r.body.project.slug).projectDir;
}

for (const vp of VIEWPORTS) {
  describe(`review at ${vp.name} width (${vp.width}px)`, () => {
    let projectId: string;
    let dir: string;
    let page: Page;
    let errors: string[];
    let sessionUrl: string;

    beforeAll(async () => {
      projectId = await createProject(w.admin, `Review ${vp.name}`);
      dir = await projectDir(projectId);
      dirs.push(dir);
      writeFileSync(join(dir, "app.ts"), ORIGINAL);
      writeFileSync(join(dir, "old.txt"), "to be deleted\n");
      const owner = lstatSync(dir);
      Bun.spawnSync(["chown", "-R", `${owner.uid}:${owner.gid}`, dir]);
      ({ page, errors } = await signedIn(vp));
    });
    afterAll(async () => {
      await page?.context().close();
    });

    test("a turn's diff is shown, one hunk discarded and the discard undone", async () => {
      await page.goto(`${w.t.url}/projects/${projectId}/chat`);
      await page.getByLabel("Message", { exact: true }).waitFor({ timeout: T });
      const command =
        "sed -i -e 's/v2 = 2/v2 = 200/' -e 's/v35 = 35/v35 = 3500/' app.ts && rm old.txt && echo hello > new.txt";
      w.fx.enqueue([{ toolCall: { name: "bash", args: { command } } }], [{ text: "Edited the files." }]);
      await page.getByLabel("Message", { exact: true }).fill("edit the files");
      await page.getByLabel("Message", { exact: true }).press("Enter");
      await page.waitForURL(/session=ses_/, { timeout: START });
      sessionUrl = page.url();
      await page.locator(".activity.idle").waitFor({ timeout: T });
      await page.getByText("Edited the files.").waitFor({ timeout: T });

      await page.getByRole("button", { name: "Changes" }).click();
      const dialog = page.getByRole("region", { name: "Changes in this conversation" });
      const files = dialog.getByRole("list", { name: "Changed files" });
      await files.getByRole("button", { name: /app\.ts/ }).waitFor({ timeout: T });
      await files.getByRole("button", { name: /old\.txt/ }).waitFor({ timeout: T });
      expect(await files.getByRole("button").count()).toBe(3);
      await files.getByRole("button", { name: /app\.ts/ }).click();
      await dialog.locator(".diff-hunk").nth(1).waitFor({ timeout: T });
      await dialog.getByRole("button", { name: "Unified" }).click();
      await dialog.locator(".diff-line.add").filter({ hasText: "3500" }).waitFor({ timeout: T });
      // Highlighted with the file's grammar.
      expect(await dialog.locator(".diff-line code .hljs-keyword").count()).toBeGreaterThan(0);
      await screenshot(page, `review-diff-unified-${vp.name}`);
      await dialog.getByRole("button", { name: "Side by side" }).click();
      await dialog.locator(".diff-pair code.add").filter({ hasText: "3500" }).waitFor({ timeout: T });
      await screenshot(page, `review-diff-split-${vp.name}`);

      await dialog.getByRole("button", { name: "Discard this change (hunk 2)" }).click();
      await dialog
        .getByRole("group", { name: "Discard this change?" })
        .getByRole("button", { name: "Discard" })
        .click();
      await dialog.getByText("Discarded one change in app.ts.").waitFor({ timeout: T });
      await screenshot(page, `review-discarded-${vp.name}`);
      const after = readFileSync(join(dir, "app.ts"), "utf8");
      expect(after).toContain("v2 = 200");
      expect(after).toContain("v35 = 35;");
      await dialog.getByRole("button", { name: "Undo" }).click();
      await dialog.getByText("Discarded one change in app.ts.").waitFor({ state: "detached", timeout: T });
      expect(readFileSync(join(dir, "app.ts"), "utf8")).toContain("v35 = 3500");
      await dialog.getByRole("button", { name: "Back to the conversation" }).click();
      await dialog.waitFor({ state: "detached", timeout: T });
    });

    test("restore files to before the message warns about the person's edit, and is undone", async () => {
      writeFileSync(join(dir, "new.txt"), "my own edit\n");
      const user = page.locator(".msg[data-role='user']").first();
      await user.hover();
      await user.getByRole("button", { name: "Restore files to before this message" }).click();
      const dialog = page.getByRole("dialog", { name: "Restore files to before this message?" });
      const edits = dialog.getByRole("list", { name: "Edits that would be overwritten" });
      await edits.waitFor({ timeout: T });
      expect(await edits.textContent()).toContain("new.txt");
      await screenshot(page, `review-restore-${vp.name}`);
      await dialog.getByRole("button", { name: "Restore files" }).click();
      await page.getByText("Files restored to before your message.").waitFor({ timeout: T });
      expect(readFileSync(join(dir, "app.ts"), "utf8")).toBe(ORIGINAL);
      expect(readFileSync(join(dir, "old.txt"), "utf8")).toBe("to be deleted\n");
      expect(existsSync(join(dir, "new.txt"))).toBe(false);
      await page.getByRole("button", { name: "Undo restore" }).click();
      await page
        .getByText("Files restored to before your message.")
        .waitFor({ state: "detached", timeout: T });
      expect(readFileSync(join(dir, "new.txt"), "utf8")).toBe("my own edit\n");
      expect(existsSync(join(dir, "old.txt"))).toBe(false);
    });

    test("the project's Changes tab lists the edits since the last checkpoint", async () => {
      writeFileSync(join(dir, "new.txt"), "edited again\n");
      await page.goto(`${w.t.url}/projects/${projectId}/changes`);
      const files = page.getByRole("list", { name: "Changed files" });
      await files.getByRole("button", { name: /new\.txt/ }).waitFor({ timeout: T });
      await files.getByRole("button", { name: /new\.txt/ }).click();
      await page.locator(".diff").getByText("edited again").waitFor({ timeout: T });
      await screenshot(page, `review-project-${vp.name}`);
    });

    test("restore and fork from here: the files go back and a new conversation opens with the message", async () => {
      await page.goto(sessionUrl);
      const user = page.locator(".msg[data-role='user']").first();
      await user.waitFor({ timeout: T });
      const before = page.url();
      await user.hover();
      await user.getByRole("button", { name: "Restore files to before this message" }).click();
      const dialog = page.getByRole("dialog", { name: "Restore files to before this message?" });
      await dialog.getByRole("button", { name: "Restore and fork from here" }).click();
      await page.waitForURL((u) => u.toString() !== before && /session=ses_/.test(u.toString()), {
        timeout: START,
      });
      await page.getByLabel("Message", { exact: true }).waitFor({ timeout: T });
      expect(await page.getByLabel("Message", { exact: true }).inputValue()).toBe("edit the files");
      expect(readFileSync(join(dir, "app.ts"), "utf8")).toBe(ORIGINAL);
      expect(existsSync(join(dir, "new.txt"))).toBe(false);
      expect(await pageErrors(page, errors)).toEqual([]);
    });
  });
}

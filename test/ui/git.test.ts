import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { lstatSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "rebrowser-playwright";
import { commitToBare, type GitHttpServer, startGitHttp } from "../fixtures/git-http.ts";
import { type SessionWorld, startWorld } from "../sessions/harness.ts";
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
 * Git from the UI in real Chromium against the real server, runner and sandbox, and a repository
 * served by `git http-backend`: a token saved under Account → Git (never shown again), "Clone a
 * repository" in the new-project dialog, then the Git panel: stage, commit, push, and a rejected push
 * named by its cause — at desktop and phone width.
 */

setDefaultTimeout(360_000);
const T = 90_000;
const TOKEN = "tok-ui-7c1e0b5a9d2f4e68";
let w: SessionWorld;
let browser: Browser;
let remote: GitHttpServer;

beforeAll(async () => {
  await ensureUiBuilt();
  w = await startWorld();
  remote = startGitHttp({ token: TOKEN });
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await remote?.stop();
  await w?.stop();
});

const signedIn = (vp: Viewport) => signInAt(browser, w.t.url, vp, w.t.admin.username, w.t.admin.password, T);

for (const vp of VIEWPORTS) {
  describe(`git at ${vp.name} width (${vp.width}px)`, () => {
    let page: Page;
    let errors: string[];
    const repo = `ui-${vp.name}.git`;

    beforeAll(async () => {
      remote.bare(repo, { "README.md": "# ui\n", "app.txt": "one\n" });
      ({ page, errors } = await signedIn(vp));
    });
    afterAll(async () => {
      await page?.context().close();
    });

    test("a token is saved per host and never shown again", async () => {
      await page.goto(`${w.t.url}/account`);
      const host = `127.0.0.1:${remote.port}`;
      await page.getByLabel("Host", { exact: true }).fill(host);
      await page.getByLabel("Token", { exact: true }).fill(TOKEN);
      await page.getByRole("button", { name: "Save token" }).click();
      await page.getByText(`Token for ${host} saved.`).waitFor({ timeout: T });
      const list = page.getByRole("list", { name: "Git credentials" });
      await list.getByText(host).waitFor({ timeout: T });
      expect(await page.content()).not.toContain(TOKEN);
      await page.getByRole("heading", { name: "Git credentials" }).scrollIntoViewIfNeeded();
      await screenshot(page, `git-credentials-${vp.name}`);
    });

    test("clone a repository, stage, commit and push from the Git panel; a rejected push says why", async () => {
      await page.goto(`${w.t.url}/projects`);
      await page.getByRole("button", { name: "New project" }).click();
      const dialog = page.getByRole("dialog", { name: "New project" });
      await dialog.getByRole("button", { name: "Clone a repository" }).click();
      await dialog.getByLabel("Repository URL").fill(remote.url(repo));
      await dialog.getByLabel("Name (optional)").fill(`Cloned ${vp.name}`);
      // The host network reaches the loopback server (`default` would refuse it: host_not_allowed).
      await dialog
        .getByRole("group", { name: "Sandbox profile" })
        .getByRole("radio", { name: "open", exact: true })
        .check();
      await screenshot(page, `git-clone-dialog-${vp.name}`);
      await dialog.getByRole("button", { name: "Clone", exact: true }).click();
      await page.waitForURL(/\/projects\/prj_[^/]+\/changes/, { timeout: T });
      const panel = page.locator(".git-panel");
      await panel.waitFor({ timeout: T });
      expect(await panel.getByLabel("Branch", { exact: true }).inputValue()).toBe("main");
      await panel.getByRole("list", { name: "Recent commits" }).getByText("seed").waitFor({ timeout: T });

      const projectId = (page.url().match(/projects\/(prj_[^/]+)/) as RegExpMatchArray)[1] as string;
      const p = await w.admin.get<{ project: { slug: string } }>(`/api/projects/${projectId}`);
      const dir = w.t.server.ctx.services.placement.project(
        w.t.admin.username,
        p.body.project.slug,
      ).projectDir;
      writeFileSync(join(dir, "app.txt"), "one\ntwo\n");
      const owner = lstatSync(dir);
      Bun.spawnSync(["chown", `${owner.uid}:${owner.gid}`, join(dir, "app.txt")]);
      await page.reload();
      await panel.getByRole("button", { name: "Stage app.txt", exact: true }).click();
      await panel.getByRole("button", { name: "Unstage app.txt" }).waitFor({ timeout: T });
      await panel.getByLabel("Commit message").fill("two lines");
      await panel.getByRole("button", { name: "Commit 1 file" }).click();
      await panel
        .getByRole("list", { name: "Recent commits" })
        .getByText("two lines")
        .waitFor({ timeout: T });
      await panel.getByRole("button", { name: "Push" }).click();
      await panel.getByText("Pushed.").waitFor({ timeout: T });
      const log = Bun.spawnSync([
        "git",
        "--git-dir",
        join(remote.root, repo),
        "log",
        "--format=%s",
        "-1",
        "main",
      ]);
      expect(log.stdout.toString().trim()).toBe("two lines");
      await screenshot(page, `git-panel-${vp.name}`);

      // Someone else pushes first: the next push is refused, and the panel says to pull.
      commitToBare(join(remote.root, repo), { "other.txt": "x\n" }, "someone else");
      writeFileSync(join(dir, "app.txt"), "one\ntwo\nthree\n");
      Bun.spawnSync(["chown", `${owner.uid}:${owner.gid}`, join(dir, "app.txt")]);
      await page.reload();
      await panel.getByRole("button", { name: "Stage app.txt", exact: true }).click();
      await panel.getByRole("button", { name: "Unstage app.txt" }).waitFor({ timeout: T });
      await panel.getByLabel("Commit message").fill("three lines");
      await panel.getByRole("button", { name: "Commit 1 file" }).click();
      await panel
        .getByRole("list", { name: "Recent commits" })
        .getByText("three lines")
        .waitFor({ timeout: T });
      await panel.getByRole("button", { name: "Push" }).click();
      await panel
        .getByRole("alert")
        .getByText(/pull first/)
        .waitFor({ timeout: T });
      await screenshot(page, `git-push-rejected-${vp.name}`);
      await panel.getByRole("button", { name: "Pull" }).click();
      await panel.getByText("Pulled.").waitFor({ timeout: T });
      expect(readFileSync(join(dir, "other.txt"), "utf8")).toBe("x\n");
      await panel.getByRole("button", { name: "Push" }).click();
      await panel.getByText("Pushed.").waitFor({ timeout: T });
      expect(await pageErrors(page, errors)).toEqual([]);
    });
  });
}

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "rebrowser-playwright";
import { projectsRepo } from "../../src/storage/projects.ts";
import { projectDirOf, startTestServer, type TestServer } from "../http/harness.ts";
import { stopLocalRunner } from "../terminals/harness.ts";
import { ensureUiBuilt, launchChromium, pageErrors, screenshot, VIEWPORTS, watchErrors } from "./browser.ts";

/**
 * The Files and Settings tabs in real Chromium against the real server, runner and mux socket:
 * create a project, create/edit/save a file, follow a change made on disk, resolve a conflict,
 * upload (picker and drop), preview markdown, rename and delete; change settings — at both widths.
 */

let srv: TestServer;
let browser: Browser;
const T = 20_000;

beforeAll(async () => {
  await ensureUiBuilt();
  srv = await startTestServer();
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  const socketDir = srv?.server.ctx.config.paths.socketDir;
  await srv?.stop();
  if (socketDir) stopLocalRunner(socketDir);
});

async function signIn(page: Page) {
  await page.goto(`${srv.url}/login`);
  await page.getByLabel("User name").fill(srv.admin.username);
  await page.getByLabel("Password").fill(srv.admin.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL("**/projects", { timeout: T });
}

async function createProject(page: Page, name: string): Promise<string> {
  await page.getByRole("button", { name: "New project" }).first().click();
  await page.getByLabel("Name").fill(name);
  await page.getByRole("button", { name: "Create project" }).click();
  await page.waitForURL(/\/projects\/prj_[0-9a-f]+/, { timeout: T });
  const id = /\/projects\/(prj_[0-9a-f]+)/.exec(page.url())?.[1];
  if (!id) throw new Error(`no project id in ${page.url()}`);
  const row = projectsRepo(srv.server.ctx.db).byId(id);
  if (!row) throw new Error("project row missing");
  return projectDirOf(srv.server, row.user_id, row.slug);
}

for (const vp of VIEWPORTS) {
  describe(`files at ${vp.name} width (${vp.width}px)`, () => {
    test("create, edit, save, live update, conflict, upload, preview, rename, delete; settings", async () => {
      const ctx = await browser.newContext({
        viewport: vp,
        colorScheme: vp.name === "phone" ? "dark" : "light",
      });
      const page = await ctx.newPage();
      const errors = watchErrors(page);
      await signIn(page);
      const dir = await createProject(page, `Files ${vp.name}`);

      await page.getByRole("tab", { name: "Files" }).click();
      const tree = page.getByRole("tree", { name: "Project files" });
      await tree.getByRole("treeitem", { name: "AGENTS.md" }).waitFor({ timeout: T });

      // Markdown opens as a sanitized preview.
      await tree.getByRole("treeitem", { name: "AGENTS.md" }).click();
      await page.locator(".markdown-body h1").first().waitFor({ timeout: T });
      await screenshot(page, `files-${vp.name}-markdown`);
      if (vp.name === "phone") await page.getByRole("button", { name: "All files" }).click();

      // New file in a new folder; it opens in the editor.
      await page.getByRole("button", { name: "New file" }).click();
      await page.getByRole("dialog").getByLabel("Name").fill("src/hello.ts");
      await page.getByRole("dialog").getByRole("button", { name: "Create" }).click();
      const editor = page.getByLabel("Contents of src/hello.ts");
      await editor.waitFor({ timeout: T });
      await editor.fill('export const greeting: string = "hello";\n// saved from the browser\n');
      await page.getByRole("button", { name: "Save", exact: true }).click();
      await page.getByText("Saved.").waitFor({ timeout: T });
      expect(readFileSync(join(dir, "src/hello.ts"), "utf8")).toContain('greeting: string = "hello"');
      await page.locator(".code-layer .hljs-keyword").first().waitFor({ timeout: T });
      await screenshot(page, `files-${vp.name}-editor`);

      // The agent changes the file on disk: a clean editor follows.
      writeFileSync(join(dir, "src/hello.ts"), 'export const greeting = "changed by the agent";\n');
      await page.getByText("Updated from disk.").waitFor({ timeout: T });
      expect(await editor.inputValue()).toContain("changed by the agent");

      // An edited one is told, and saving shows both versions.
      await editor.fill('export const greeting = "my edit";\n');
      writeFileSync(join(dir, "src/hello.ts"), 'export const greeting = "agent again";\n');
      await page.getByText("This file changed on disk while you were editing.").waitFor({ timeout: T });
      await page.getByRole("button", { name: "Save", exact: true }).click();
      const conflict = page.getByRole("dialog", { name: "This file changed while you edited it" });
      await conflict.waitFor({ timeout: T });
      await conflict.getByText("agent again").waitFor({ timeout: T });
      await screenshot(page, `files-${vp.name}-conflict`);
      await conflict.getByRole("button", { name: "Save mine over it" }).click();
      await page.getByText("Saved.").waitFor({ timeout: T });
      expect(readFileSync(join(dir, "src/hello.ts"), "utf8")).toBe('export const greeting = "my edit";\n');

      // Rename (move) through the dialog.
      await page.getByRole("button", { name: "Rename or move" }).click();
      await page.getByRole("dialog").getByLabel("New path in the project").fill("src/greeting.ts");
      await page.getByRole("dialog").getByRole("button", { name: "Move" }).click();
      await page.getByLabel("Contents of src/greeting.ts").waitFor({ timeout: T });
      expect(existsSync(join(dir, "src/hello.ts"))).toBe(false);
      expect(existsSync(join(dir, "src/greeting.ts"))).toBe(true);

      // Delete with confirmation.
      await page.getByRole("button", { name: "Delete" }).click();
      await page.getByRole("dialog").getByRole("button", { name: "Delete" }).click();
      await tree.getByRole("treeitem", { name: "greeting.ts" }).waitFor({ state: "detached", timeout: T });
      expect(existsSync(join(dir, "src/greeting.ts"))).toBe(false);

      // Upload several files with the picker into the project folder.
      await tree.getByRole("treeitem", { name: "AGENTS.md" }).waitFor({ timeout: T });
      await page.getByRole("treeitem", { name: "src" }).click(); // select the folder: uploads go there
      await page.getByLabel("Files to upload").setInputFiles([
        { name: "one.txt", mimeType: "text/plain", buffer: Buffer.from("first upload\n") },
        { name: "big.bin", mimeType: "application/octet-stream", buffer: Buffer.alloc(1536 * 1024, 7) },
      ]);
      await page.getByText("Uploaded 2 files.").waitFor({ timeout: T });
      expect(readFileSync(join(dir, "src/one.txt"), "utf8")).toBe("first upload\n");
      expect(readFileSync(join(dir, "src/big.bin")).length).toBe(1536 * 1024);
      await tree.getByRole("treeitem", { name: "one.txt" }).waitFor({ timeout: T });

      // Drop a file from the desktop onto the tree.
      await page.evaluate(() => {
        const data = new DataTransfer();
        data.items.add(new File(["dropped in\n"], "dropped.md", { type: "text/markdown" }));
        const target = document.querySelector(".tree-wrap");
        for (const type of ["dragenter", "dragover", "drop"])
          target?.dispatchEvent(new DragEvent(type, { dataTransfer: data, bubbles: true, cancelable: true }));
      });
      await tree.getByRole("treeitem", { name: "dropped.md" }).waitFor({ timeout: T });
      expect(readFileSync(join(dir, "dropped.md"), "utf8")).toBe("dropped in\n");

      // A file created on disk appears in the tree by itself.
      writeFileSync(join(dir, "from-agent.txt"), "hi\n");
      await tree.getByRole("treeitem", { name: "from-agent.txt" }).waitFor({ timeout: T });
      await screenshot(page, `files-${vp.name}-tree`);

      // Settings: profile, AGENTS.md, skills found in .pi/.
      mkdirSync(join(dir, ".pi/skills/release-notes"), { recursive: true });
      writeFileSync(join(dir, ".pi/skills/release-notes/SKILL.md"), "# Release notes\n");
      await page.getByRole("tab", { name: "Settings" }).click();
      await page.getByRole("list", { name: "Skills" }).getByText("release-notes").waitFor({ timeout: T });
      const profiles = page.getByRole("group", { name: "Sandbox profile" });
      await profiles.getByRole("radio", { name: "strict", exact: true }).check();
      await page.getByRole("button", { name: "Save settings" }).click();
      await page.getByText("Saved. New agent sessions").waitFor({ timeout: T });
      const projectId = /\/projects\/(prj_[0-9a-f]+)/.exec(page.url())?.[1] ?? "";
      expect(projectsRepo(srv.server.ctx.db).byId(projectId)?.profile).toBe("strict");
      await page.locator(".settings .markdown-body h1").first().waitFor({ timeout: T });
      await screenshot(page, `files-${vp.name}-settings`);

      expect(await pageErrors(page, errors)).toEqual([]);
      await ctx.close();
    }, 180_000);
  });
}

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
 * Shared projects (decision 0030) in real Chromium, two people in two browser contexts against the
 * real server, runner, sandbox and pi: the owner invites an editor, the editor chats (the owner sees
 * it live, named), the owner lowers them to viewer (their composer goes), then removes them (their
 * open view ends at once) — at desktop and phone width.
 */

setDefaultTimeout(600_000);
const T = 60_000;
/** The first message starts the agent: minutes on a heavily loaded machine. */
const START = 300_000;
let w: SessionWorld;
let browser: Browser;

beforeAll(async () => {
  await ensureUiBuilt();
  w = await startWorld();
  await addUser(w.admin, "alice", "alice-password-1");
  browser = await launchChromium();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await w?.stop();
});

const signedIn = (vp: Viewport, username: string, password: string) =>
  signInAt(browser, w.t.url, vp, username, password, T);
const composer = (page: Page) => page.getByLabel("Message", { exact: true });

async function openMembers(page: Page, projectId: string) {
  await page.goto(`${w.t.url}/projects/${projectId}/settings`);
  await page.getByRole("button", { name: "Members…" }).click();
  await page.getByRole("dialog", { name: "Members" }).waitFor({ timeout: T });
}

for (const vp of VIEWPORTS) {
  describe(`shared project at ${vp.name} width (${vp.width}px)`, () => {
    let projectId: string;
    let owner: Page;
    let alice: Page;
    let ownerErrors: string[];
    let aliceErrors: string[];

    beforeAll(async () => {
      projectId = await createProject(w.admin, `Team ${vp.name}`);
      ({ page: owner, errors: ownerErrors } = await signedIn(vp, w.t.admin.username, w.t.admin.password));
      ({ page: alice, errors: aliceErrors } = await signedIn(vp, "alice", "alice-password-1"));
    });
    afterAll(async () => {
      await owner?.context().close();
      await alice?.context().close();
    });

    test("the owner invites an editor from the Members dialog; it shows under 'Shared with me'", async () => {
      await openMembers(owner, projectId);
      const dialog = owner.getByRole("dialog", { name: "Members" });
      await dialog.getByLabel("User name").fill("alice");
      await dialog.getByLabel("Role", { exact: true }).selectOption("editor");
      await dialog.getByRole("button", { name: "Invite" }).click();
      await dialog.getByLabel("Role of alice").waitFor({ timeout: T });
      expect(await dialog.getByLabel("Role of alice").inputValue()).toBe("editor");
      await screenshot(owner, `sharing-members-${vp.name}`);
      await owner.keyboard.press("Escape");

      await alice.goto(`${w.t.url}/projects`);
      const shared = alice.getByRole("navigation", { name: "Shared with me" });
      await shared.getByText(`Team ${vp.name}`).waitFor({ timeout: T });
      expect(await shared.textContent()).toContain(`${w.t.admin.username} · editor`);
      await screenshot(alice, `sharing-list-${vp.name}`);
    });

    test("the editor chats; the owner sees it live with the editor's name", async () => {
      await alice.goto(`${w.t.url}/projects/${projectId}/chat`);
      await composer(alice).waitFor({ timeout: T });
      // A member sees the shared areas only: no Settings, no Terminal without the grant.
      expect(await alice.getByRole("tab", { name: "Settings" }).count()).toBe(0);
      expect(await alice.getByRole("tab", { name: "Terminal" }).count()).toBe(0);
      w.fx.enqueue([{ text: "first answer for alice" }]);
      await composer(alice).fill("hello from alice");
      await composer(alice).press("Enter");
      await alice.waitForURL(/session=ses_/, { timeout: START });
      await alice
        .locator(".msg[data-role='assistant']")
        .filter({ hasText: "first answer for alice" })
        .waitFor({ timeout: START });
      await alice.locator(".activity.idle").waitFor({ timeout: T });
      const session = new URL(alice.url()).searchParams.get("session");

      await owner.goto(`${w.t.url}/projects/${projectId}/chat?session=${session}`);
      const named = owner.locator(".msg[data-role='user'][data-author='alice']");
      await named.filter({ hasText: "hello from alice" }).waitFor({ timeout: T });
      expect(await named.first().locator(".msg-author").textContent()).toBe("alice");
      // Alice's own message is not labelled for her.
      expect(await alice.locator(".msg[data-author]").count()).toBe(0);

      // Live: a second message from alice reaches the owner's open view.
      w.fx.enqueue([{ text: "second answer, seen live" }]);
      await composer(alice).fill("one more");
      await composer(alice).press("Enter");
      await owner
        .locator(".msg[data-role='assistant']")
        .filter({ hasText: "second answer, seen live" })
        .waitFor({ timeout: START });
      await named.filter({ hasText: "one more" }).waitFor({ timeout: T });
      await alice.locator(".activity.idle").waitFor({ timeout: T });
      await screenshot(owner, `sharing-owner-sees-editor-${vp.name}`);
      await screenshot(alice, `sharing-editor-chat-${vp.name}`);
    });

    test("lowered to viewer, the editor's composer goes at once; removed, their view ends", async () => {
      expect(await composer(alice).count()).toBe(1);
      await openMembers(owner, projectId);
      const dialog = owner.getByRole("dialog", { name: "Members" });
      await dialog.getByLabel("Role of alice").selectOption("viewer");
      await alice.getByTestId("read-only").waitFor({ timeout: T });
      expect(await composer(alice).count()).toBe(0);
      expect(await alice.getByRole("button", { name: "New conversation" }).count()).toBe(0);
      await screenshot(alice, `sharing-viewer-${vp.name}`);
      // Files: read, never change.
      await alice.getByRole("tab", { name: "Files" }).click();
      await alice.getByRole("toolbar", { name: "Files" }).waitFor({ timeout: T });
      expect(await alice.getByRole("button", { name: "Upload" }).count()).toBe(0);
      expect(await alice.getByRole("button", { name: "New file" }).count()).toBe(0);
      await alice.getByRole("tab", { name: "Chat" }).click();

      await dialog.getByRole("button", { name: "Remove" }).click();
      await dialog.getByText("Not shared with anyone yet.").waitFor({ timeout: T });
      await alice.getByRole("heading", { name: "Project not found" }).waitFor({ timeout: T });
      await screenshot(alice, `sharing-removed-${vp.name}`);
      await alice.goto(`${w.t.url}/projects`);
      await alice.getByRole("heading", { name: "Projects" }).waitFor({ timeout: T });
      expect(await alice.getByRole("navigation", { name: "Shared with me" }).count()).toBe(0);

      expect(await pageErrors(owner, ownerErrors)).toEqual([]);
      expect(await pageErrors(alice, aliceErrors)).toEqual([]);
    });
  });
}

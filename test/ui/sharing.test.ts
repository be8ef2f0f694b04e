import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Browser } from "rebrowser-playwright";
import { Client } from "../http/client.ts";
import { addUser } from "../http/harness.ts";
import { AgentTab, createProject, type SessionWorld, startWorld } from "../sessions/harness.ts";
import { ensureUiBuilt, launchChromium, pageErrors, screenshot, signedIn, VIEWPORTS } from "./browser.ts";

/**
 * Sharing a conversation in real Chromium, two people in two browser contexts against the real
 * server: the owner shares it from the chat header with bob (picked by name); bob finds it under
 * "Shared with me", opens it read-only at its end and watches an answer stream in live; the owner
 * removes the share and bob's page says so at once; shared again, bob forks it into his project.
 */

let w: SessionWorld;
let browser: Browser;
let agent: AgentTab;
let project: string;
let bob: Client;
let bobProject: string;
const T = 30_000;
/** What waits on the agent (a loaded machine starts and streams slowly). */
const AGENT = 150_000;
const PW = "bob-password-123";
let prompts = 0;

beforeAll(async () => {
  await ensureUiBuilt();
  w = await startWorld();
  browser = await launchChromium();
  project = await createProject(w.admin, "Reports");
  agent = await AgentTab.open(w.t.url, w.admin.cookie);
  await addUser(w.admin, "bob", PW);
  bob = new Client(w.t.url);
  await bob.login("bob", PW);
  bobProject = await createProject(bob, "Bob's notes");
}, 180_000);

afterAll(async () => {
  await agent?.close().catch(() => {});
  await browser?.close();
  await w?.stop();
});

async function turn(session: string, reply: import("../fixtures/llm/script.ts").Reply, message: string) {
  w.fx.enqueue(reply);
  await agent.ok("prompt", { session_id: session, message, client_id: `ui-share-${++prompts}` });
}

for (const vp of VIEWPORTS) {
  describe(`sharing at ${vp.name} width (${vp.width}px)`, () => {
    test("share with bob, watch live, revoke, fork into his project", async () => {
      const { session_id: session } = await agent.ok<{ session_id: string }>("session.create", {
        project_id: project,
      });
      await agent.ok("session.subscribe", { session_id: session });
      await agent.waitEvent(session, (f) => f.event === "session.state", "the agent", 150_000);
      // Long enough to scroll, so "opened at its end" means something.
      const steps = Array.from({ length: 40 }, (_, i) => `Step ${i + 1}.`).join("\n\n");
      await turn(
        session,
        [{ text: `Plan for ${vp.name}: ship it.\n\n${steps}` }],
        `Plan the release (${vp.name})`,
      );
      await agent.waitIdle(session, 1, 150_000);

      // The owner shares it from the chat header with bob, picked by name.
      const owner = await signedIn(browser, w.t.url, vp, w.t.admin.username, w.t.admin.password);
      await owner.page.goto(`${w.t.url}/projects/${project}/chat?session=${session}`);
      await owner.page.getByText(`Plan for ${vp.name}: ship it.`).waitFor({ timeout: T });
      await owner.page.getByRole("button", { name: "Share", exact: true }).click();
      const dialog = owner.page.getByRole("dialog", { name: "Share conversation" });
      await dialog.getByText("Not shared with anyone.").waitFor({ timeout: T });
      await dialog.getByLabel("Share with").fill("bo");
      await dialog.getByRole("button", { name: "Share with bob" }).click();
      await dialog.getByRole("list", { name: "Shared with" }).getByText("bob").waitFor({ timeout: T });
      await screenshot(owner.page, `sharing-dialog-${vp.name}`);
      await dialog.getByRole("button", { name: "Close" }).click();
      await dialog.waitFor({ state: "detached", timeout: T });

      // Bob finds it under "Shared with me" and opens it read-only.
      const viewer = await signedIn(browser, w.t.url, vp, "bob", PW);
      const p = viewer.page;
      if (vp.name === "phone")
        await p.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Shared" }).click();
      const entry = p.getByRole("list", { name: "Shared with me" }).getByRole("link").first();
      await entry.getByText(`Plan the release (${vp.name})`).waitFor({ timeout: T });
      await entry.getByText(w.t.admin.username).waitFor({ timeout: T });
      await entry.click();
      await p.waitForURL(`**/shared/${session}`, { timeout: T });
      await p.getByText(`Shared by ${w.t.admin.username} — read-only`).waitFor({ timeout: T });
      await p.getByText(`Plan for ${vp.name}: ship it.`).waitFor({ timeout: T });
      expect(await p.getByRole("region", { name: "New message" }).count()).toBe(0);
      expect(await p.locator("#chat-input").count()).toBe(0);
      // Opened at its end.
      await p.getByText("Step 40.").waitFor({ timeout: T });
      const scroll = await p.locator(".timeline").evaluate((el) => ({
        overflow: el.scrollHeight > el.clientHeight + 100,
        gap: el.scrollHeight - el.scrollTop - el.clientHeight,
      }));
      expect(scroll.overflow).toBe(true);
      expect(scroll.gap).toBeLessThan(4);
      // Copy text puts the conversation's text on the clipboard.
      await viewer.ctx.grantPermissions(["clipboard-read", "clipboard-write"], { origin: w.t.url });
      await p.getByRole("button", { name: "Copy text" }).click();
      await p.getByText("Copied the conversation's text.").waitFor({ timeout: T });
      const copied = await p.evaluate(() => navigator.clipboard.readText());
      expect(copied).toBe(
        `User: Plan the release (${vp.name})\n\nAssistant: Plan for ${vp.name}: ship it.\n\n${steps}`,
      );

      // An answer streams in live while bob watches.
      let release!: () => void;
      const gate = new Promise<void>((r) => {
        release = r;
      });
      await turn(
        session,
        [
          { text: `Streaming for bob ${vp.name}`, chunks: 1 },
          { until: gate },
          { text: " — all done.", chunks: 1 },
        ],
        "Go on",
      );
      await p.getByText(`Streaming for bob ${vp.name}`).waitFor({ timeout: AGENT });
      await screenshot(p, `sharing-viewer-live-${vp.name}`);
      release();
      await p.getByText(`Streaming for bob ${vp.name} — all done.`).waitFor({ timeout: AGENT });
      await agent.waitIdle(session, 2, 150_000);

      // The owner removes the share: bob's page says so at once, and his list no longer has it.
      await owner.page.getByRole("button", { name: "Share", exact: true }).click();
      const removed = owner.page.waitForResponse((r) => r.request().method() === "DELETE", { timeout: T });
      await dialog.getByRole("button", { name: "Stop sharing with bob" }).click();
      const answer = await removed;
      expect([answer.status(), await answer.text()]).toEqual([200, '{"ok":true}']);
      await screenshot(owner.page, `sharing-removed-${vp.name}`);
      await dialog.getByText("Not shared with anyone.").waitFor({ timeout: T });
      await p.getByRole("heading", { name: "No longer shared with you" }).waitFor({ timeout: T });
      expect(await p.getByText(`Streaming for bob ${vp.name}`).count()).toBe(0);
      if (vp.name === "desktop")
        await p.getByRole("list", { name: "Shared with me" }).waitFor({ state: "detached", timeout: T });
      await screenshot(p, `sharing-revoked-${vp.name}`);
      await dialog.getByRole("button", { name: "Close" }).click();
      await dialog.waitFor({ state: "detached", timeout: T });

      // Shared again: bob forks it into his own project and carries on there.
      await w.admin.post(`/api/sessions/${session}/shares`, { username: "bob" });
      await p.goto(`${w.t.url}/shared/${session}`);
      await p.getByText(`Plan for ${vp.name}: ship it.`).waitFor({ timeout: T });
      await screenshot(p, `sharing-viewer-${vp.name}`);
      await p.getByRole("button", { name: "Fork into my project" }).click();
      await p.waitForURL(`**/projects/${bobProject}/chat?session=*`, { timeout: 150_000 });
      await p.getByText(`Plan for ${vp.name}: ship it.`).waitFor({ timeout: T });
      await p.getByRole("region", { name: "New message" }).waitFor({ timeout: T });
      await p.locator("#chat-input").waitFor({ timeout: T });
      await screenshot(p, `sharing-forked-${vp.name}`);
      await w.admin.delete(`/api/sessions/${session}/shares/bob`);

      expect(await pageErrors(owner.page, owner.errors)).toEqual([]);
      expect(await pageErrors(p, viewer.errors)).toEqual([]);
      await owner.ctx.close();
      await viewer.ctx.close();
    }, 400_000);
  });
}

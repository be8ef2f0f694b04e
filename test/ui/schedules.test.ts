import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Browser } from "rebrowser-playwright";
import type { Schedule } from "../../src/protocol/schedules.ts";
import { deliver } from "../schedules/harness.ts";
import { type SessionWorld, startWorld } from "../sessions/harness.ts";
import { seriousViolations } from "./axe.ts";
import { ensureUiBuilt, launchChromium, pageErrors, screenshot, signedIn, VIEWPORTS } from "./browser.ts";

/**
 * The Schedules tab in real Chromium against the real server: a schedule made with the form (cron,
 * zone and the preview of its next runs), run now into a real conversation, paused, edited and
 * deleted; an agent's proposal confirmed and rejected; a webhook created, its secret shown once and
 * used, then disabled.
 */

let w: SessionWorld;
let browser: Browser;
const T = 20_000;
const RUN = 150_000;

beforeAll(async () => {
  await ensureUiBuilt();
  w = await startWorld();
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await w?.stop();
});

for (const vp of VIEWPORTS) {
  describe(`schedules at ${vp.name} width (${vp.width}px)`, () => {
    test(
      "create with preview, run now into a conversation, pause and resume, edit, delete",
      async () => {
        const projectId = (
          await w.admin.post<{ project: { id: string } }>("/api/projects", { name: `Sched ${vp.name}` })
        ).body.project.id;
        const { ctx, page, errors } = await signedIn(
          browser,
          w.t.url,
          vp,
          w.t.admin.username,
          w.t.admin.password,
        );
        await page.goto(`${w.t.url}/projects/${projectId}/schedules`);
        await page.getByText("No schedules yet.").waitFor({ timeout: T });
        await page.getByRole("button", { name: "New schedule" }).click();
        const form = page.getByRole("form", { name: "New schedule" });
        await form.getByLabel("Name", { exact: true }).fill("Commit digest");
        await form.getByLabel("Cron").fill("0 9 * * 1-5");
        await form.getByLabel("Time zone").fill("Europe/Berlin");
        const next = form.getByRole("list", { name: "Next runs" });
        await next.locator("li").nth(2).waitFor({ timeout: T });
        const shown = await next.locator("li").allTextContents();
        expect(shown).toHaveLength(3);
        for (const line of shown) expect(line).toMatch(/\b0?9:00\b/);
        await screenshot(page, `schedules-form-${vp.name}`);
        expect(await seriousViolations(page)).toEqual([]);
        await form.getByLabel("Cron").fill("0 25 * * *");
        await form.getByText(/Invalid value for hour/i).waitFor({ timeout: T });
        await form.getByLabel("Cron").fill("0 9 * * 1-5");
        await next.locator("li").nth(2).waitFor({ timeout: T });
        await form.getByRole("button", { name: "Create schedule" }).click();
        await form.getByText("What should the agent do?").waitFor({ timeout: T });
        await form.getByLabel("Prompt").fill("Summarise yesterday's commits");
        await form.getByRole("button", { name: "Create schedule" }).click();
        const list = page.getByRole("list", { name: "Schedules" });
        const item = list.locator("li").filter({ hasText: "Commit digest" });
        await item.getByText("active").waitFor({ timeout: T });
        await item.getByText("0 9 * * 1-5 · Europe/Berlin").waitFor({ timeout: T });
        await screenshot(page, `schedules-list-${vp.name}`);

        w.fx.enqueue([{ text: "Three commits yesterday." }]);
        await item.getByRole("button", { name: "Run now" }).click();
        const history = page.getByRole("list", { name: "Run history" });
        await history.locator('[data-outcome="ok"]').waitFor({ timeout: RUN });
        await history.getByText("finished").waitFor({ timeout: T });

        await item.getByRole("button", { name: "Pause" }).click();
        await item.getByText("paused").waitFor({ timeout: T });
        await item.getByText("No next run").waitFor({ timeout: T });
        await item.getByRole("button", { name: "Resume" }).click();
        await item.getByText("active").waitFor({ timeout: T });

        await item.getByRole("button", { name: "Edit" }).click();
        const edit = page.getByRole("form", { name: "Edit schedule" });
        await edit.getByLabel("Name", { exact: true }).fill("Morning digest");
        await edit.getByRole("button", { name: "Save" }).click();
        await list.getByText("Morning digest").waitFor({ timeout: T });
        await screenshot(page, `schedules-history-${vp.name}`);

        await history.getByRole("link", { name: "Conversation" }).first().click();
        await page.waitForURL(/\/chat\?session=ses_/, { timeout: T });
        await page.getByText("Three commits yesterday.").waitFor({ timeout: T });

        await page.goto(`${w.t.url}/projects/${projectId}/schedules`);
        const again = page
          .getByRole("list", { name: "Schedules" })
          .locator("li")
          .filter({ hasText: "Morning digest" });
        await again.getByRole("button", { name: "Delete Morning digest" }).click();
        await page.getByRole("dialog").getByRole("button", { name: "Delete" }).click();
        await page.getByText("No schedules yet.").waitFor({ timeout: T });
        expect(await pageErrors(page, errors)).toEqual([]);
        await ctx.close();
      },
      RUN + 60_000,
    );

    test(
      "an agent's proposal is confirmed or rejected; a webhook shows its secret once, works, and is disabled",
      async () => {
        const projectId = (
          await w.admin.post<{ project: { id: string } }>("/api/projects", { name: `Hooks ${vp.name}` })
        ).body.project.id;
        const userId = (await w.admin.get<{ user: { id: string } }>("/api/auth/me")).body.user?.id as string;
        const mod = w.t.server.ctx.services.schedules.schedules;
        const propose = (name: string) => {
          const r = mod.create(
            { userId, projectId },
            { name, cron: "0 7 * * 1", timezone: "UTC", prompt: "check the dependencies" },
            "ses_000000000000000000000000000a",
          );
          if (!r.ok) throw new Error(r.error.message);
          return r.value as Schedule;
        };
        propose("Dependency check");
        propose("Noisy idea");
        const { ctx, page, errors } = await signedIn(
          browser,
          w.t.url,
          vp,
          w.t.admin.username,
          w.t.admin.password,
        );
        await page.goto(`${w.t.url}/projects/${projectId}/schedules`);
        const proposals = page.getByRole("region", { name: "Proposed by the agent" });
        await proposals.getByText("Dependency check").waitFor({ timeout: T });
        await screenshot(page, `schedules-proposals-${vp.name}`);
        await proposals
          .locator("li")
          .filter({ hasText: "Dependency check" })
          .getByRole("button", { name: "Confirm" })
          .click();
        await page
          .getByRole("list", { name: "Schedules" })
          .getByText("Dependency check")
          .waitFor({ timeout: T });
        await proposals
          .locator("li")
          .filter({ hasText: "Noisy idea" })
          .getByRole("button", { name: "Reject" })
          .click();
        await proposals.waitFor({ state: "detached", timeout: T });
        const listed = await w.admin.get<{ schedules: Schedule[] }>(`/api/projects/${projectId}/schedules`);
        expect(listed.body.schedules.map((s) => [s.name, s.state])).toEqual([["Dependency check", "active"]]);

        await page.getByRole("button", { name: "New webhook" }).click();
        const form = page.getByRole("form", { name: "New webhook" });
        await form.getByLabel("Name", { exact: true }).fill("CI");
        await form.getByRole("button", { name: "Create webhook" }).click();
        const secretBox = page.locator("[data-secret]");
        await secretBox.waitFor({ timeout: T });
        const secret = (await secretBox.textContent())?.trim() ?? "";
        expect(secret).toMatch(/^whsec_/);
        await screenshot(page, `schedules-webhook-${vp.name}`);
        expect(await seriousViolations(page)).toEqual([]);
        await page.getByRole("button", { name: "Done" }).click();
        await secretBox.waitFor({ state: "detached", timeout: T });
        const hookItem = page
          .getByRole("list", { name: "Webhook list" })
          .locator("li")
          .filter({ hasText: "CI" });
        const url = (await hookItem.locator("code").textContent())?.trim() ?? "";
        expect(url).toMatch(new RegExp(`^${w.t.url}/api/hooks/hook_[0-9a-f]{28}$`));
        const hookId = url.split("/").at(-1) as string;
        expect(await page.content()).not.toContain(secret);

        w.fx.enqueue([{ text: "Build looked at." }]);
        const ok = await deliver(w.t.url, hookId, JSON.stringify({ build: 9 }), {
          secret,
          delivery: `ui-${vp.name}`,
        });
        expect(ok.status).toBe(202);
        // No reload: the tab hears of the run over the mux (changes, area schedules), start and end.
        const history = page.getByRole("list", { name: "Run history" });
        await history.getByText("webhook").first().waitFor({ timeout: T });
        await history.locator('[data-outcome="ok"]').waitFor({ timeout: RUN });
        await hookItem.getByText(/Last delivery/).waitFor({ timeout: T });

        await hookItem.getByRole("button", { name: "Disable" }).click();
        await hookItem.getByText("disabled").waitFor({ timeout: T });
        const off = await deliver(w.t.url, hookId, JSON.stringify({ build: 10 }), {
          secret,
          delivery: `ui2-${vp.name}`,
        });
        expect(off.status).toBe(404);
        expect(await pageErrors(page, errors)).toEqual([]);
        await ctx.close();
      },
      RUN + 60_000,
    );
  });
}

import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import type { Browser, Page } from "rebrowser-playwright";
import { AgentTab, createProject, PROVIDER_KEY, type SessionWorld, startWorld } from "../sessions/harness.ts";
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
 * Budgets end to end in real Chromium against the real server, gateway, runner, sandbox and pi, with
 * the scripted LLM: a conversation over its budget is refused before the provider, the chat says
 * "Budget reached" and who can raise it, the agent goes idle; Admin → Usage and Account → Usage show
 * the spend against the limit.
 */

setDefaultTimeout(420_000);
const T = 60_000;
const START = 240_000;
let w: SessionWorld;
let browser: Browser;

beforeAll(async () => {
  await ensureUiBuilt();
  w = await startWorld();
  browser = await launchChromium();
  // A priced model (admin-managed), the default for new conversations: $10 per 1M output tokens.
  const made = await w.admin.post("/api/admin/providers", {
    name: "fxp",
    kind: "openai",
    base_url: w.fx.openaiBaseUrl,
    api_key: PROVIDER_KEY,
    models: [{ id: "priced", input_price: 0, output_price: 10 }],
  });
  expect(made.status).toBe(200);
  const def = await w.admin.request("PUT", "/api/admin/default-model", { body: { model: "fxp/priced" } });
  expect(def.status).toBe(200);
  const me = (await w.admin.get<{ user: { id: string } }>("/api/auth/me")).body.user.id;
  const limits = await w.admin.request("PUT", `/api/admin/users/${me}/limits`, {
    body: { user_monthly_usd: 1, session_usd: 0.005 },
  });
  expect(limits.status).toBe(200);
  const tab = await AgentTab.open(w.t.url, w.admin.cookie);
  const warm = await createProject(w.admin, "Warm-up");
  const { session_id } = await tab.ok<{ session_id: string }>("session.create", { project_id: warm });
  await tab.ok("session.delete", { session_id });
  await tab.close();
}, 400_000);

afterAll(async () => {
  await browser?.close();
  await w?.stop();
});

const composer = (page: Page) => page.getByLabel("Message", { exact: true });
async function send(page: Page, text: string) {
  await composer(page).fill(text);
  await composer(page).press("Enter");
}
const waitIdle = (page: Page) => page.locator(".activity.idle").waitFor({ timeout: T });

for (const vp of VIEWPORTS) {
  describe(`budgets at ${vp.name} width (${vp.width}px)`, () => {
    let page: Page;
    let errors: string[];
    const signedIn = (v: Viewport) =>
      signInAt(browser, w.t.url, v, w.t.admin.username, w.t.admin.password, T);

    beforeAll(async () => {
      ({ page, errors } = await signedIn(vp));
    });
    afterAll(async () => {
      await page?.context().close();
    });

    test("over the conversation's budget: refused before the provider, 'Budget reached' with who can raise it, the agent idle", async () => {
      const projectId = await createProject(w.admin, `Budget ${vp.name}`);
      const marker = `[budget-${vp.name}]`;
      await page.goto(`${w.t.url}/projects/${projectId}/chat`);
      const lane = w.fx.lane({ text: marker });
      // 1000 output tokens at $10 per 1M: $0.01, over the conversation's $0.005.
      lane.enqueue([{ text: "First answer." }, { usage: { input: 10, output: 1000 } }]);
      await send(page, `${marker} hello`);
      await page.waitForURL(/session=ses_/, { timeout: START });
      await page.getByText("First answer.").waitFor({ timeout: T });
      await waitIdle(page);
      const reached = lane.requests.length;

      await send(page, "and another thing");
      const failure = page.locator(".failure[data-cause='budget']");
      await failure.waitFor({ timeout: T });
      await waitIdle(page);
      expect(await failure.locator("strong").textContent()).toBe("Budget reached for this conversation.");
      await expect(failure.textContent()).resolves.toContain("ask an admin to raise the limit");
      // Refused in the gateway: the provider never saw the second request, and pi did not retry it.
      expect(lane.requests.length).toBe(reached);
      expect(await page.locator(".failure").count()).toBe(1);
      // The stored history: one agent.error naming the code, then idle; pi never retried the call.
      const sessionId = new URL(page.url()).searchParams.get("session") as string;
      const tab = await AgentTab.open(w.t.url, w.admin.cookie);
      await tab.ok("session.subscribe", { session_id: sessionId, after_seq: 0 });
      const error = await tab.waitEvent(sessionId, (f) => f.event === "agent.error", "agent.error");
      expect(JSON.stringify(error)).toContain("budget_exceeded");
      await tab.waitIdle(sessionId, 2);
      const events = tab.events(sessionId).map((f) => f.event);
      expect(events.filter((e) => e === "agent.error")).toHaveLength(1);
      expect(events.filter((e) => e === "retry.start")).toEqual([]);
      expect(events.lastIndexOf("agent.idle")).toBeGreaterThan(events.indexOf("agent.error"));
      await tab.close();
      await screenshot(page, `budget-${vp.name}-chat`);
      expect(await pageErrors(page, errors)).toEqual([]);
    });

    test("Admin → Usage: spend by user, model, project and day, top conversations, CSV link, limits dialog", async () => {
      await page.goto(`${w.t.url}/admin/usage`);
      const byUser = page.getByRole("table", { name: "Usage by user" });
      await byUser.waitFor({ timeout: T });
      const row = byUser.locator("tbody tr").filter({ hasText: w.t.admin.username });
      await expect(row.textContent()).resolves.toContain("$1.00");
      for (const name of ["Usage by model", "Usage by project", "Usage by day", "Top conversations"])
        await page.getByRole("table", { name }).waitFor({ timeout: T });
      await expect(page.getByRole("table", { name: "Usage by model" }).textContent()).resolves.toContain(
        "fxp/priced",
      );
      expect(await page.getByRole("link", { name: "Export CSV" }).getAttribute("href")).toMatch(
        /^\/api\/admin\/usage\.csv\?from=\d{4}-\d{2}-01&to=/,
      );
      await screenshot(page, `budget-${vp.name}-admin-usage`);

      await row.getByRole("button", { name: "Limits" }).click();
      const monthly = page.getByLabel("Monthly budget (USD)");
      await monthly.waitFor({ timeout: T });
      expect(await monthly.inputValue()).toBe("1");
      await monthly.fill("2.5");
      await page.getByRole("button", { name: "Save limits" }).click();
      await page.waitForFunction(
        (name) =>
          [...document.querySelectorAll("table[aria-label='Usage by user'] tbody tr")].some(
            (tr) => tr.textContent?.includes(name as string) && tr.textContent.includes("$2.50"),
          ),
        w.t.admin.username,
        { timeout: T },
      );
      await page.getByRole("button", { name: "Limits" }).first().click();
      await page.getByLabel("Monthly budget (USD)").fill("1");
      await page.getByRole("button", { name: "Save limits" }).click();
      await page.getByLabel("Monthly budget (USD)").waitFor({ state: "detached", timeout: T });
      expect(await pageErrors(page, errors)).toEqual([]);
    });

    test("Account → Usage: my month to date against my limit", async () => {
      await page.goto(`${w.t.url}/account`);
      const spend = page.getByTestId("my-spend");
      await spend.waitFor({ timeout: T });
      await expect(spend.textContent()).resolves.toMatch(/\$0\.0[12] of \$1\.00/);
      expect(Number(await page.locator("meter.budget-meter").getAttribute("value"))).toBeGreaterThan(0);
      await expect(page.getByRole("list", { name: "My usage by model" }).textContent()).resolves.toContain(
        "fxp/priced",
      );
      await screenshot(page, `budget-${vp.name}-account`);
      expect(await pageErrors(page, errors)).toEqual([]);
    });
  });
}

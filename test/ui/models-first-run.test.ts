import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Browser } from "rebrowser-playwright";
import { type LlmFixture, startLlmFixture } from "../fixtures/llm/server.ts";
import { Client } from "../http/client.ts";
import { startTestServer, type TestServer } from "../http/harness.ts";
import { ensureUiBuilt, launchChromium, pageErrors, screenshot, signedIn, VIEWPORTS } from "./browser.ts";

/**
 * The first hour of a fresh server in real Chromium: the Welcome card starts with "add a model",
 * a conversation without one says so in plain words, and the provider form tests the connection,
 * lists the provider's models to pick from, and the default model is chosen on the same page.
 */

const T = 20_000;
const KEY = "sk-first-run-key-5151";
let fixture: LlmFixture;
let srv: TestServer;
let browser: Browser;
let projectId = "";

beforeAll(async () => {
  await ensureUiBuilt();
  fixture = await startLlmFixture({ apiKeys: [KEY], models: ["gpt-b", "gpt-a"] });
  srv = await startTestServer();
  const admin = new Client(srv.url);
  await admin.login(srv.admin.username, srv.admin.password);
  const made = await admin.post<{ project: { id: string } }>("/api/projects", { name: "first" });
  if (made.status !== 200) throw new Error(`project: ${JSON.stringify(made.body)}`);
  projectId = made.body.project.id;
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await srv?.stop();
  await fixture?.stop();
});

test("first run: add a model is step 1, and without one a conversation says where to add it", async () => {
  for (const vp of VIEWPORTS) {
    const { page, errors } = await signedIn(browser, srv.url, vp, srv.admin.username, srv.admin.password, T);
    const welcome = page.getByRole("region", { name: "Welcome to octo" });
    const first = welcome.getByRole("listitem").first();
    await first.waitFor({ timeout: T });
    expect(await first.textContent()).toStartWith("Add a model");
    expect(await first.getByRole("link", { name: "Add a model" }).getAttribute("href")).toBe("/admin/models");
    await screenshot(page, `first-run-welcome-${vp.name}`);

    // The chat opens with its message box ready; sending the first message meets the missing model.
    await page.goto(`${srv.url}/projects/${projectId}/chat`);
    const box = page.getByLabel("Message", { exact: true });
    await box.fill("hello");
    await box.press("Enter");
    const notice = page.locator(".note").filter({ hasText: "No AI model is set up yet" });
    await notice.waitFor({ timeout: T });
    const said = (await notice.textContent()) ?? "";
    expect(said).toContain("Admin → Models");
    expect(said).not.toContain("/api/");
    // The page it names is a link there.
    expect(await notice.getByRole("link").getAttribute("href")).toBe("/admin/models");
    await screenshot(page, `first-run-no-model-${vp.name}`);
    expect(await pageErrors(page, errors)).toEqual([]);
    await page.context().close();
  }
}, 120_000);

test("the provider form tests the connection and lists models to pick; the default model is set here", async () => {
  for (const vp of VIEWPORTS) {
    const { page, errors } = await signedIn(browser, srv.url, vp, srv.admin.username, srv.admin.password, T);
    await page.goto(`${srv.url}/admin/models`);
    const name = `fx-${vp.name}`;
    await page.getByRole("button", { name: "New provider" }).click();
    const dialog = page.getByRole("dialog", { name: "New provider" });
    await dialog.getByLabel("Name").fill(name);
    await dialog.getByLabel("Base URL").fill(fixture.openaiBaseUrl);
    await dialog.getByLabel("API key").fill("sk-wrong");
    await dialog.getByRole("button", { name: "Test connection" }).click();
    await dialog.getByText("The provider refused the API key (HTTP 401)").waitFor({ timeout: T });
    await dialog.getByLabel("API key").fill(KEY);
    await dialog.getByRole("button", { name: "List models" }).click();
    await dialog.getByText("Connected: the provider lists 2 models.").waitFor({ timeout: T });
    const offered = dialog.getByRole("group", { name: /Models the provider offers/ });
    await offered.getByRole("checkbox", { name: "gpt-a" }).check();
    await offered.getByRole("checkbox", { name: "gpt-b" }).check();
    expect(await dialog.getByLabel("Models").inputValue()).toBe("gpt-a\ngpt-b");
    await screenshot(page, `provider-test-connection-${vp.name}`);
    await dialog.getByRole("button", { name: "Add provider" }).click();
    await dialog.waitFor({ state: "detached", timeout: T });
    const row = page.locator(`[data-provider="${name}"]`);
    await row.locator('[data-model="gpt-b"]').waitFor({ timeout: T });

    // Adding one more model offers the provider's list.
    await row.getByRole("button", { name: `Add a model to ${name}` }).click();
    const add = page.getByRole("dialog", { name: `Add a model to ${name}` });
    await add.getByRole("button", { name: "List the provider's models" }).click();
    await add.getByText("Pick one of the 2 models the provider lists").waitFor({ timeout: T });
    expect(
      await add.locator("datalist option").evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value)),
    ).toEqual(["gpt-a", "gpt-b"]);
    await add.getByRole("button", { name: "Cancel" }).click();

    // The default model: chosen here, used by /api/models (and so by new conversations).
    const select = page.getByLabel("Default model for new conversations");
    await select.selectOption(`${name}/gpt-b`);
    await page.reload();
    await page.locator(`[data-provider="${name}"] [data-model="gpt-b"] .badge`).waitFor({ timeout: T });
    expect(await select.inputValue()).toBe(`${name}/gpt-b`);
    await row.locator('[data-model="gpt-b"]').getByText("default").waitFor({ timeout: T });
    const models = await page.evaluate(
      async () => (await (await fetch("/api/models")).json()) as { default_model: string },
    );
    expect(models.default_model).toBe(`${name}/gpt-b`);
    await screenshot(page, `provider-default-model-${vp.name}`);
    expect(await pageErrors(page, errors)).toEqual([]);
    await page.context().close();
  }
}, 120_000);

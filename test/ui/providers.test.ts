import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Browser, Page } from "rebrowser-playwright";
import type { Provider } from "../../src/protocol/llm.ts";
import { Client } from "../http/client.ts";
import { addUser, startTestServer, type TestServer } from "../http/harness.ts";
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
 * Admin → Models in real Chromium against the real server: providers and their models are added,
 * edited and deleted through the UI, the key is never shown, and a non-admin cannot get in.
 */

const T = 15_000;
const SECRET = "sk-ui-secret-never-shown-4242";
let srv: TestServer;
let browser: Browser;

beforeAll(async () => {
  await ensureUiBuilt();
  // A provider from the config file: listed read-only, and its model is the server's default.
  srv = await startTestServer(`
[llm]
default_model = "cfg/model-a"

[[llm.providers]]
name = "cfg"
kind = "anthropic"
base_url = "https://cfg.example.test"
api_key_env = "OCTO_UI_TEST_UNSET_KEY"
models = [{ id = "model-a", name = "Model A" }]
`);
  const admin = new Client(srv.url);
  await admin.login(srv.admin.username, srv.admin.password);
  await addUser(admin, "dave", "dave-password-1");
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await srv?.stop();
});

const signedIn = (vp: Viewport, username: string, password: string) =>
  signInAt(browser, srv.url, vp, username, password, T);

/** What the admin API answers, fetched by the page itself (with its cookie), as raw text. */
const apiText = (page: Page, path: string) =>
  page.evaluate(async (p) => {
    const r = await fetch(p);
    return { status: r.status, text: await r.text() };
  }, path);

for (const vp of VIEWPORTS) {
  test(`admin adds, edits and deletes a provider and its models; the key is never shown (${vp.name})`, async () => {
    const { page, errors } = await signedIn(vp, srv.admin.username, srv.admin.password);
    const name = `acme-${vp.name}`;
    if (vp.name === "desktop") {
      // The shortcut "g m" goes there; the sidebar has the link too. Shortcuts listen once the
      // signed-in shell is on screen (it loads lazily after sign-in).
      await page.getByRole("heading", { name: "Projects" }).waitFor({ timeout: T });
      await page.locator("body").press("g");
      await page.locator("body").press("m");
    } else {
      await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Admin" }).click();
      await page.getByRole("navigation", { name: "Admin" }).getByRole("link", { name: "Models" }).click();
    }
    await page.waitForURL("**/admin/models", { timeout: T });

    // The config file's provider: listed, read-only, key source named, its model the default.
    const cfg = page.locator('[data-provider="cfg"]');
    await cfg.getByText("Key from $OCTO_UI_TEST_UNSET_KEY (not readable)").waitFor({ timeout: T });
    await cfg.locator('[data-model="model-a"]').getByText("default").waitFor({ timeout: T });
    expect(await cfg.getByRole("button", { name: "Edit cfg" }).count()).toBe(0);

    // Add: a bad URL gets the server's message inline, then a good one is saved.
    await page.getByRole("button", { name: "New provider" }).click();
    const create = page.getByRole("dialog", { name: "New provider" });
    await create.getByLabel("Name").fill("Bad Name");
    await create.getByLabel("Base URL").fill("not a url");
    await create.getByLabel("API key").fill(SECRET);
    await create.getByLabel("Models").fill("gpt-test\nvendor/big-model");
    await create.getByRole("button", { name: "Add provider" }).click();
    // A field's error is shown (and announced) once, under its field.
    const nameRule = create.getByText("a provider name is 1-32 characters");
    await nameRule.first().waitFor({ timeout: T });
    expect(await nameRule.count()).toBe(1);
    await create.getByLabel("Name").fill(name);
    await create.getByRole("button", { name: "Add provider" }).click();
    // The server's message, beside the field it is about (and announced).
    await create
      .locator(".hint.error")
      .filter({ hasText: "base_url must be an absolute URL" })
      .waitFor({ timeout: T });
    // The field is marked invalid in the same update, but a render may land between two reads: wait.
    await create.getByLabel("Base URL").and(create.locator('[aria-invalid="true"]')).waitFor({ timeout: T });
    expect(await create.getByRole("alert").textContent()).toBe("base_url must be an absolute URL");
    await screenshot(page, `providers-${vp.name}-bad-url`);
    await create.getByLabel("Base URL").fill("https://llm.example.test/v1");
    await create.getByRole("button", { name: "Add provider" }).click();
    await create.waitFor({ state: "detached", timeout: T });

    const row = page.locator(`[data-provider="${name}"]`);
    await row.getByText("Key stored on the server").waitFor({ timeout: T });
    expect(await row.locator('[data-field="base_url"]').textContent()).toBe("https://llm.example.test/v1");
    await row.locator('[data-model="gpt-test"]').waitFor({ timeout: T });
    await row.locator('[data-model="vendor/big-model"]').waitFor({ timeout: T });
    expect(await page.content()).not.toContain(SECRET);
    const listed = await apiText(page, "/api/admin/providers");
    expect(listed.text).toContain(name);
    expect(listed.text).not.toContain(SECRET);
    await screenshot(page, `providers-${vp.name}-list`);

    // Edit: a new URL with the key field left empty keeps the stored key; a bad URL is refused.
    await row.getByRole("button", { name: `Edit ${name}` }).click();
    const edit = page.getByRole("dialog", { name: `Edit ${name}` });
    expect(await edit.getByLabel("Base URL").inputValue()).toBe("https://llm.example.test/v1");
    expect(await edit.getByLabel("API key").inputValue()).toBe("");
    await edit.getByLabel("Base URL").fill("ftp://llm.example.test");
    await edit.getByRole("button", { name: "Save" }).click();
    await edit
      .locator(".hint.error")
      .filter({ hasText: "base_url must be http:// or https://" })
      .waitFor({ timeout: T });
    expect(await edit.getByLabel("Base URL").getAttribute("aria-invalid")).toBe("true");
    await edit.getByLabel("Base URL").fill("https://llm2.example.test/v2");
    await edit.getByRole("button", { name: "Save" }).click();
    await edit.waitFor({ state: "detached", timeout: T });
    await row
      .locator('[data-field="base_url"]')
      .getByText("https://llm2.example.test/v2")
      .waitFor({ timeout: T });
    const one = await apiText(page, `/api/admin/providers/${name}`);
    const saved = (JSON.parse(one.text) as { provider: Provider }).provider;
    expect(saved.base_url).toBe("https://llm2.example.test/v2");
    expect(saved.key).toEqual({ source: "stored", from: null, configured: true });
    expect(one.text).not.toContain(SECRET);

    // Models: add one with a context window, remove the one whose id has a slash.
    await row.getByRole("button", { name: `Add a model to ${name}` }).click();
    const add = page.getByRole("dialog", { name: `Add a model to ${name}` });
    await add.getByLabel("Model id").fill("gpt-extra");
    await add.getByLabel("Context window").fill("200000");
    await add.getByRole("button", { name: "Add model" }).click();
    await add.waitFor({ state: "detached", timeout: T });
    await row.locator('[data-model="gpt-extra"]').getByText("200k context").waitFor({ timeout: T });
    await row.getByRole("button", { name: "Remove model vendor/big-model" }).click();
    await page
      .getByRole("dialog", { name: `Remove vendor/big-model from ${name}?` })
      .getByRole("button", { name: "Remove model" })
      .click();
    await row.locator('[data-model="vendor/big-model"]').waitFor({ state: "detached", timeout: T });
    const picker = await apiText(page, "/api/models");
    expect(picker.text).toContain(`${name}/gpt-extra`);
    expect(picker.text).not.toContain(`${name}/vendor/big-model`);
    await screenshot(page, `providers-${vp.name}-edited`);

    // Delete, after a confirmation.
    await row.getByRole("button", { name: `Delete ${name}` }).click();
    await page
      .getByRole("dialog", { name: `Delete ${name}?` })
      .getByRole("button", { name: "Delete provider" })
      .click();
    await row.waitFor({ state: "detached", timeout: T });
    expect((await apiText(page, "/api/admin/providers")).text).not.toContain(name);
    expect((await apiText(page, `/api/admin/providers/${name}`)).status).toBe(404);

    expect(await pageErrors(page, errors)).toEqual([]);
    await page.context().close();
  }, 90_000);
}

test("a non-admin gets 'Admins only', no Models link, and 403 from the API", async () => {
  for (const vp of VIEWPORTS) {
    const { page, errors } = await signedIn(vp, "dave", "dave-password-1");
    expect(await page.getByRole("link", { name: "Models" }).count()).toBe(0);
    await page.goto(`${srv.url}/admin/models`);
    await page.getByRole("heading", { name: "Admins only" }).waitFor({ timeout: T });
    expect(await page.getByRole("button", { name: "New provider" }).count()).toBe(0);
    expect((await apiText(page, "/api/admin/providers")).status).toBe(403);
    const post = await page.evaluate(async () => {
      const r = await fetch("/api/admin/providers", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "sneaky", kind: "openai", base_url: "https://x.example" }),
      });
      return r.status;
    });
    expect(post).toBe(403);
    await screenshot(page, `providers-${vp.name}-non-admin`);
    expect(await pageErrors(page, errors)).toEqual([]);
    await page.context().close();
  }
}, 90_000);

import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Browser } from "rebrowser-playwright";
import { createProject, PROVIDER_KEY, type SessionWorld, startWorld } from "../sessions/harness.ts";
import { ensureUiBuilt, launchChromium, pageErrors, screenshot, signedIn, VIEWPORTS } from "./browser.ts";

/**
 * Voice input in real Chromium (a fake microphone): the button is hidden until an admin picks a
 * transcription model; then it records, the fixture LLM transcribes through the gateway, and the
 * words land in the message box to edit — nothing is sent.
 */

let w: SessionWorld;
let browser: Browser;
let project: string;
const T = 30_000;

beforeAll(async () => {
  await ensureUiBuilt();
  w = await startWorld();
  browser = await launchChromium({
    args: ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"],
  });
  project = await createProject(w.admin, "Dictation");
  const made = await w.admin.post("/api/admin/providers", {
    name: "speech",
    kind: "openai",
    base_url: w.fx.openaiBaseUrl,
    api_key: PROVIDER_KEY,
    models: [{ id: "whisper-1" }],
  });
  if (made.status !== 200) throw new Error(JSON.stringify(made.body));
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await w?.stop();
});

test("no microphone without a transcription model", async () => {
  const vp = VIEWPORTS[0];
  const { ctx, page } = await signedIn(browser, w.t.url, vp, w.t.admin.username, w.t.admin.password);
  await page.goto(`${w.t.url}/projects/${project}/chat`);
  await page.getByLabel("Message", { exact: true }).waitFor({ timeout: T });
  expect(await page.getByRole("button", { name: "Dictate" }).count()).toBe(0);
  await ctx.close();
});

for (const vp of VIEWPORTS) {
  test(`dictation lands in the message box for editing, unsent (${vp.name})`, async () => {
    const set = await w.admin.request("PUT", "/api/admin/transcription-model", {
      body: { model: "speech/whisper-1" },
    });
    expect(set.status).toBe(200);
    w.fx.transcript = `Summarise yesterday's commits (${vp.name})`;
    const chatRequests = w.fx.requests.length;
    const before = w.fx.transcriptions.length;
    const { ctx, page, errors } = await signedIn(
      browser,
      w.t.url,
      vp,
      w.t.admin.username,
      w.t.admin.password,
    );
    await page.goto(`${w.t.url}/projects/${project}/chat`);
    const box = page.getByLabel("Message", { exact: true });
    await box.fill("Please:");
    await page.getByRole("button", { name: "Dictate" }).click();
    await page.getByRole("button", { name: "Stop recording" }).waitFor({ timeout: T });
    await screenshot(page, `voice-recording-${vp.name}`);
    await page.getByRole("button", { name: "Stop recording" }).click();
    await page.getByRole("button", { name: "Dictate" }).waitFor({ timeout: T });
    await page.waitForFunction(
      (want) => (document.getElementById("chat-input") as HTMLTextAreaElement | null)?.value === want,
      `Please: Summarise yesterday's commits (${vp.name})`,
      { timeout: T },
    );
    await screenshot(page, `voice-dictated-${vp.name}`);
    const call = w.fx.transcriptions[before];
    expect(call?.model).toBe("whisper-1");
    expect(call?.bytes ?? 0).toBeGreaterThan(100);
    // Nothing was sent: no conversation request reached the model.
    expect(w.fx.requests.length).toBe(chatRequests);
    expect(
      (await w.admin.get<{ sessions: unknown[] }>(`/api/projects/${project}/sessions`)).body.sessions,
    ).toEqual([]);
    expect(await pageErrors(page, errors)).toEqual([]);
    await ctx.close();
  }, 120_000);
}

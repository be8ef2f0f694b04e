import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "rebrowser-playwright";
import { AgentTab, createProject, type SessionWorld, startWorld } from "../sessions/harness.ts";
import { ensureUiBuilt, launchChromium, pageErrors, screenshot, signedIn, VIEWPORTS } from "./browser.ts";

/**
 * The Browser tab in real Chromium (driving the octo UI), showing the agent's own Chromium inside
 * its sandbox: frames arrive, the person takes control and types into a field while the agent's
 * `browser click` waits, hands back, and the agent's call returns with the note — at both widths.
 */

setDefaultTimeout(240_000);
const T = 60_000;

let w: SessionWorld;
let tab: AgentTab;
let projectId: string;
let projectDir: string;
let session: string;
let ui: Browser;
let prompts = 0;

const FORM = `<!doctype html><html><head><title>Sign up</title></head><body style="font:20px sans-serif">
<h1>Sign up</h1><form action="/thanks.html"><label>Name
<input name="name" style="position:absolute;left:100px;top:200px;width:200px;height:40px"></label>
<button type="submit">Send</button></form></body></html>`;
const THANKS = `<!doctype html><title>Thanks</title><p id="o">Thanks</p>
<script>document.getElementById("o").textContent = "Welcome " + new URLSearchParams(location.search).get("name");</script>`;

beforeAll(async () => {
  await ensureUiBuilt();
  w = await startWorld();
  projectId = await createProject(w.admin, "Web");
  projectDir = w.t.server.ctx.services.placement.project(w.t.admin.username, "web").projectDir;
  tab = await AgentTab.open(w.t.url, w.admin.cookie);
  const { session_id } = await tab.ok<{ session_id: string }>("session.create", {
    project_id: projectId,
    profile: "strict",
  });
  session = session_id;
  await tab.ok("session.subscribe", { session_id });
  await tab.waitEvent(session, (f) => f.event === "session.state", "session.state", 200_000);
  writeFileSync(join(projectDir, "form.html"), FORM);
  writeFileSync(join(projectDir, "thanks.html"), THANKS);
  await agentRuns(
    "(setsid python3 -m http.server 8765 --bind 127.0.0.1 >/dev/null 2>&1 &) ; " +
      "for i in $(seq 100); do python3 -c 'import urllib.request;urllib.request.urlopen(\"http://127.0.0.1:8765/\")' 2>/dev/null && break; sleep 0.1; done",
  );
  ui = await launchChromium();
});
afterAll(async () => {
  await ui?.close();
  await tab?.close();
  await w?.stop();
});

async function agentRuns(command: string): Promise<string> {
  w.fx.enqueue([{ toolCall: { name: "bash", args: { command } } }], [{ text: "done" }]);
  const idles = tab.events(session).filter((f) => f.event === "agent.idle").length;
  await tab.ok("prompt", { session_id: session, message: `run ${command}`, client_id: `u-${++prompts}` });
  await tab.waitIdle(session, idles + 1, 200_000);
  const end = tab
    .events(session)
    .filter((f) => f.event === "tool.end")
    .at(-1);
  return String(end?.output ?? "");
}

for (const vp of VIEWPORTS) {
  describe(`the Browser tab at ${vp.name} width (${vp.width}px)`, () => {
    test("frames arrive; take control, type while the agent's click waits, hand back; the agent gets the note", async () => {
      const opened = await agentRuns("octo-tool browser open http://127.0.0.1:8765/form.html");
      const send = /button "Send" \[(@e\d+)\]/.exec(opened)?.[1];
      expect(send).toBeDefined();
      const { ctx, page, errors } = await signedIn(ui, w.t.url, vp, w.t.admin.username, w.t.admin.password);
      try {
        await page.goto(`${w.t.url}/projects/${projectId}/browser`);
        const frame = page.locator("img.browser-frame");
        await frame.waitFor({ timeout: T });
        await addressIs(page, (url) => url === "http://127.0.0.1:8765/form.html");
        await page.getByText("Idle").waitFor({ timeout: T });
        await screenshot(page, `agent-browser-${vp.name}-watching`);

        await page.getByRole("button", { name: "Take control" }).click();
        await page.getByText("You are driving").waitFor({ timeout: T });
        const progressBefore = tab.events(session).length;
        const clicked = agentRuns(`octo-tool browser click ${send}`);
        // The agent's call has reached the browser and waits: its first output line says so.
        await tab.waitEvent(
          session,
          (f) =>
            tab.events(session).indexOf(f) >= progressBefore &&
            f.event === "tool.progress" &&
            String(f.delta).includes("waiting for them"),
          "the agent's call waiting",
          T,
        );
        // The person clicks into the Name field on the picture and types.
        const box = await frame.boundingBox();
        if (!box) throw new Error("no frame box");
        const field = { x: 200, y: 220 }; // the input's centre, placed absolutely by FORM
        await page.mouse.click(box.x + (field.x / 1280) * box.width, box.y + (field.y / 800) * box.height);
        await page.keyboard.type("Grace");
        await page.keyboard.press("Tab");
        await screenshot(page, `agent-browser-${vp.name}-driving`);
        await page.getByRole("button", { name: "Hand back" }).click();
        const note = page.locator(".browser-note");
        await note.waitFor({ timeout: T });
        expect(await note.textContent()).toContain('set "Name" (text) to "Grace"');

        const out = await clicked;
        expect(out).toContain("The user has control of the browser; waiting");
        expect(out).toContain('set "Name" (text) to "Grace"');
        expect(out).toContain("name=Grace");
        await addressIs(page, (url) => url.includes("thanks.html?name=Grace"));
        await screenshot(page, `agent-browser-${vp.name}-handed-back`);
        expect(await pageErrors(page, errors)).toEqual([]);
      } finally {
        await ctx.close();
      }
    });
  });
}

async function addressIs(page: Page, ok: (url: string) => boolean): Promise<void> {
  for (const deadline = Date.now() + T; Date.now() < deadline; ) {
    if (ok(await page.getByLabel("Address").inputValue())) return;
    await page.waitForTimeout(100);
  }
  throw new Error(`address is ${await page.getByLabel("Address").inputValue()}`);
}

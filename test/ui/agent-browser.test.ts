import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "rebrowser-playwright";
import { strictTestProfile } from "../browser/profiles.ts";
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

let profile: ReturnType<typeof strictTestProfile>;

beforeAll(async () => {
  await ensureUiBuilt();
  profile = strictTestProfile("strict-browser-ui");
  w = await startWorld();
  projectId = await createProject(w.admin, "Web");
  projectDir = w.t.server.ctx.services.placement.project(w.t.admin.username, "web").projectDir;
  tab = await AgentTab.open(w.t.url, w.admin.cookie);
  const { session_id } = await tab.ok<{ session_id: string }>("session.create", {
    project_id: projectId,
    profile: profile.name,
  });
  session = session_id;
  await tab.ok("session.subscribe", { session_id });
  await tab.waitEvent(session, (f) => f.event === "session.state", "session.state", 200_000);
  writeFileSync(join(projectDir, "form.html"), FORM);
  writeFileSync(join(projectDir, "thanks.html"), THANKS);
  await serveForm();
  ui = await launchChromium();
});
afterAll(async () => {
  await ui?.close();
  await tab?.close();
  await w?.stop();
  profile?.restore();
});

/** python's http.server in the agent's sandbox (a no-op when it already listens). */
const serveForm = () =>
  agentRuns(
    "(setsid python3 -m http.server 8765 --bind 127.0.0.1 >/dev/null 2>&1 &) ; " +
      "for i in $(seq 100); do python3 -c 'import urllib.request;urllib.request.urlopen(\"http://127.0.0.1:8765/\")' 2>/dev/null && break; sleep 0.1; done",
  );

const idleCount = () => tab.events(session).filter((f) => f.event === "agent.idle").length;

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
      expect(opened).toContain('button "Send"');
      const send = /button "Send" \[(@e\d+)\]/.exec(opened)?.[1];
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

/**
 * Starts the agent's command and resolves once its first output line (the waiting note) is in, with
 * the command's end still to come (boxed: an async function would wait for a promise it returns).
 */
async function agentWaits(command: string, says: string): Promise<{ done: Promise<string> }> {
  const before = tab.events(session).length;
  const done = agentRuns(command);
  await tab.waitEvent(
    session,
    (f) =>
      tab.events(session).indexOf(f) >= before &&
      f.event === "tool.progress" &&
      String(f.delta).includes(says),
    `the agent's call waiting (${says})`,
    T,
  );
  return { done };
}

/** Resolves once the picture shown differs from `src` (a new frame arrived and was shown). */
async function frameChanges(page: Page, src: string | null): Promise<void> {
  for (const deadline = Date.now() + T; Date.now() < deadline; ) {
    const now = await page.locator("img.browser-frame").getAttribute("src");
    if (now && now !== src) return;
    await page.waitForTimeout(100);
  }
  throw new Error("no new frame");
}

describe("the take-over survives a reload of the page (phone)", () => {
  test("reload while driving: still driving, frames resume, input works, hand back answers the waiting agent", async () => {
    const opened = await agentRuns("octo-tool browser open http://127.0.0.1:8765/form.html");
    expect(opened).toContain('button "Send"');
    const send = /button "Send" \[(@e\d+)\]/.exec(opened)?.[1];
    const vp = VIEWPORTS[1];
    const { ctx, page, errors } = await signedIn(ui, w.t.url, vp, w.t.admin.username, w.t.admin.password);
    try {
      await page.goto(`${w.t.url}/projects/${projectId}/browser`);
      await page.locator("img.browser-frame").waitFor({ timeout: T });
      await page.getByRole("button", { name: "Take control" }).click();
      await page.getByText("You are driving").waitFor({ timeout: T });
      const clicked = (await agentWaits(`octo-tool browser click ${send}`, "waiting for them")).done;
      const idlesWhileWaiting = idleCount();

      await page.reload();
      // The lock is the session's, not the page's: the reloaded tab is still the one driving.
      await page.getByText("You are driving").waitFor({ timeout: T });
      await page.getByRole("button", { name: "Hand back" }).waitFor({ timeout: T });
      const frame = page.locator("img.browser-frame");
      await frame.waitFor({ timeout: T });
      const before = await frame.getAttribute("src");
      // Input still reaches the page, and its new pictures reach the reloaded tab.
      const box = await frame.boundingBox();
      if (!box) throw new Error("no frame box");
      await page.mouse.click(box.x + (200 / 1280) * box.width, box.y + (220 / 800) * box.height);
      await page.keyboard.type("Lin");
      await frameChanges(page, before);
      await page.keyboard.press("Tab");
      await screenshot(page, "agent-browser-phone-reloaded-driving");
      // The agent's command is still waiting all this time.
      expect(idleCount()).toBe(idlesWhileWaiting);

      await page.getByRole("button", { name: "Hand back" }).click();
      const note = page.locator(".browser-note");
      await note.waitFor({ timeout: T });
      expect(await note.textContent()).toContain('set "Name" (text) to "Lin"');
      const out = await clicked;
      expect(out).toContain('set "Name" (text) to "Lin"');
      expect(out).toContain("name=Lin");
      await page.getByText("Idle").waitFor({ timeout: T });
      expect(await pageErrors(page, errors)).toEqual([]);
    } finally {
      await ctx.close();
    }
  });
});

for (const vp of VIEWPORTS) {
  describe(`the agent's ask in the chat at ${vp.name} width`, () => {
    test("the chat shows the question; Take control opens the Browser tab driving; hand back answers the agent", async () => {
      await agentRuns("octo-tool browser open http://127.0.0.1:8765/form.html");
      const { ctx, page, errors } = await signedIn(ui, w.t.url, vp, w.t.admin.username, w.t.admin.password);
      try {
        await page.goto(`${w.t.url}/projects/${projectId}/chat?session=${session}`);
        const asked = (await agentWaits('octo-tool browser ask "please log in"', "Asked the user")).done;
        const prompt = page.getByRole("alert").filter({ hasText: "please log in" });
        await prompt.waitFor({ timeout: T });
        expect(await prompt.textContent()).toContain("The agent needs you in its browser");
        await screenshot(page, `agent-browser-${vp.name}-ask-in-chat`);

        await prompt.getByRole("button", { name: "Take control" }).click();
        await page.waitForURL(`**/projects/${projectId}/browser?session=${session}`, { timeout: T });
        await page.getByText("You are driving").waitFor({ timeout: T });
        await page.locator("img.browser-frame").waitFor({ timeout: T });
        await page.getByRole("button", { name: "Hand back" }).click();
        await page.locator(".browser-note").waitFor({ timeout: T });
        const out = await asked;
        expect(out).toContain("The user handed the browser back");
        expect(out).toContain("URL: http://127.0.0.1:8765/form.html");

        // Answered: the question leaves the chat.
        await page.getByRole("tab", { name: "Chat" }).click();
        await prompt.waitFor({ state: "detached", timeout: T });
        expect(await pageErrors(page, errors)).toEqual([]);
      } finally {
        await ctx.close();
      }
    });
  });
}

/**
 * The "done when", as a person does it in the UI: they ask the agent in the chat to try the
 * web app it just built; it writes and serves the page and opens it (they watch it in the Browser
 * tab); it asks them to type into a field; they reload the page mid-way, take control from the
 * chat, type, hand back; the agent carries on (submits the form) and reports in the chat.
 */
for (const vp of VIEWPORTS) {
  describe(`the whole journey at ${vp.name} width`, () => {
    test("ask in the chat → watch → take control → type → hand back → the agent carries on and reports", async () => {
      const app = `app-${vp.name}.html`;
      const report = `I tried ${app}: after you typed your name, Send showed the welcome page.`;
      w.fx.enqueue(
        [
          { text: "Let me build and open it." },
          {
            toolCall: {
              name: "bash",
              args: {
                command: `cat > ${app} <<'HTML'\n${FORM}\nHTML\n(setsid python3 -m http.server 8765 --bind 127.0.0.1 >/dev/null 2>&1 &) ; for i in $(seq 100); do python3 -c 'import urllib.request;urllib.request.urlopen("http://127.0.0.1:8765/")' 2>/dev/null && break; sleep 0.1; done; octo-tool browser open http://127.0.0.1:8765/${app}`,
              },
            },
          },
        ],
        [
          {
            toolCall: {
              name: "bash",
              args: {
                command: 'octo-tool browser ask "Please type your name into the form, then hand back"',
              },
            },
          },
        ],
        [
          {
            toolCall: {
              name: "bash",
              args: {
                command: `octo-tool browser click $(octo-tool browser snapshot | grep -o 'button "Send" \\[@e[0-9]*' | grep -o '@e[0-9]*')`,
              },
            },
          },
        ],
        [{ text: report }],
      );
      const { ctx, page, errors } = await signedIn(ui, w.t.url, vp, w.t.admin.username, w.t.admin.password);
      try {
        await page.goto(`${w.t.url}/projects/${projectId}/chat?session=${session}`);
        const composer = page.getByLabel("Message", { exact: true });
        await composer.fill("Try the web app you just built, and tell me if the form works.");
        await composer.press("Enter");

        // The agent asks for help: the chat says so. The person first watches in the Browser tab…
        const prompt = page.getByRole("alert").filter({ hasText: "Please type your name" });
        await prompt.waitFor({ timeout: T });
        await page.getByRole("tab", { name: "Browser" }).click();
        await page.locator("img.browser-frame").waitFor({ timeout: T });
        await addressIs(page, (url) => url.endsWith(`/${app}`));
        // …goes back to the chat and reloads the page: the question is still there.
        await page.getByRole("tab", { name: "Chat" }).click();
        await page.reload();
        await prompt.waitFor({ timeout: T });
        await prompt.getByRole("button", { name: "Take control" }).click();
        await page.getByText("You are driving").waitFor({ timeout: T });
        const frame = page.locator("img.browser-frame");
        await frame.waitFor({ timeout: T });
        await screenshot(page, `agent-browser-${vp.name}-journey-driving`);
        const box = await frame.boundingBox();
        if (!box) throw new Error("no frame box");
        const before = await frame.getAttribute("src");
        await page.mouse.click(box.x + (200 / 1280) * box.width, box.y + (220 / 800) * box.height);
        await page.keyboard.type("Grace");
        await frameChanges(page, before); // the typing shows in the picture
        await page.keyboard.press("Tab");
        await screenshot(page, `agent-browser-${vp.name}-journey-typed`);
        await page.getByRole("button", { name: "Hand back" }).click();
        await page.locator(".browser-note").waitFor({ timeout: T });

        // The agent carries on: it submits the form (the person sees the page change) and reports.
        await addressIs(page, (url) => url.includes("thanks.html?name=Grace"));
        await page.getByRole("tab", { name: "Chat" }).click();
        await page.locator(".msg[data-role='assistant']").filter({ hasText: report }).waitFor({ timeout: T });
        await prompt.waitFor({ state: "detached", timeout: T });
        await screenshot(page, `agent-browser-${vp.name}-journey-reported`);
        // What the agent was told: the hand-back note, then the submitted form.
        const asked = await tab.waitEvent(
          session,
          (f) =>
            f.event === "tool.end" && String(f.output).includes(`Now:\nURL: http://127.0.0.1:8765/${app}`),
          "the agent's ask answered",
          T,
        );
        expect(String(asked.output)).toContain('set "Name" (text) to "Grace"');
        const clicked = await tab.waitEvent(
          session,
          (f) =>
            f.event === "tool.end" && tab.events(session).indexOf(f) > tab.events(session).indexOf(asked),
          "the agent's click after the hand-back",
          T,
        );
        expect(String(clicked.output)).toContain("URL: http://127.0.0.1:8765/thanks.html?name=Grace");
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

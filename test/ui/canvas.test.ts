import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import type { Browser, Page } from "rebrowser-playwright";
import { AgentTab, createProject, type SessionWorld, startWorld } from "../sessions/harness.ts";
import { ensureUiBuilt, launchChromium, pageErrors, screenshot, signedIn, VIEWPORTS } from "./browser.ts";
import { imagePartOf, shapesAre, stroke, upload } from "./canvas-helpers.ts";

/**
 * The Canvas tab in real Chromium under the UI's real Content-Security-Policy: what the agent
 * publishes through `octo-tool` arrives live and its revisions can be picked; Markdown, Mermaid and
 * SVG render; an HTML artifact runs its script but can neither reach octo's API nor its cookies;
 * a drawing over a picture reaches the model as an image in the conversation's prompt.
 */
setDefaultTimeout(240_000);

let w: SessionWorld;
let browser: Browser;
const T = 30_000;
let prompts = 0;

beforeAll(async () => {
  await ensureUiBuilt();
  // The model takes images, so pi passes the annotation on to it.
  w = await startWorld({ models: '[{ id = "fake-1", images = true }]' });
  browser = await launchChromium({ enforceCsp: true });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await w?.stop();
});

/** Every fetch of `/api/auth/me` that did not come from the app's own page. */
function framedAuthRequests(page: Page): string[] {
  const seen: string[] = [];
  page.on("request", (r) => {
    if (r.url().includes("/api/auth/me") && r.frame() !== page.mainFrame()) seen.push(r.url());
  });
  return seen;
}

/** An artifact that tries octo's API and cookies from inside its frame, and reports what it got. */
const PROBE_HTML = `<!doctype html><html><body><h1>Probe</h1><p id="out">running</p><script>
const result = {};
try { result.cookie = "read:" + document.cookie; } catch (e) { result.cookie = "error:" + e.name; }
try { result.storage = "read:" + localStorage.length; } catch (e) { result.storage = "error:" + e.name; }
const report = () => {
  parent.postMessage({ canvasProbe: result }, "*");
  document.getElementById("out").textContent = "probe " + JSON.stringify(result);
};
fetch(new URL("/api/auth/me", location.href), { credentials: "include" })
  .then((r) => r.text().then((t) => { result.fetch = "ok:" + r.status + ":" + t.slice(0, 60); report(); }))
  .catch((e) => { result.fetch = "error:" + e.name; report(); });
</script></body></html>`;

const SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="600" height="300" viewBox="0 0 600 300">
<rect width="600" height="300" fill="#f4f1e8"/><circle cx="150" cy="150" r="90" fill="#3e63dd"/>
<text x="300" y="160" font-size="36" font-family="sans-serif" fill="#222">Floor plan</text></svg>`;

/** The agent runs `command` with its bash tool and is idle again. */
async function agentRuns(tab: AgentTab, session: string, command: string): Promise<string> {
  w.fx.enqueue([{ toolCall: { name: "bash", args: { command } } }], [{ text: "published" }]);
  const idles = tab.events(session).filter((f) => f.event === "agent.idle").length;
  await tab.ok("prompt", { session_id: session, message: `run ${command}`, client_id: `c-${++prompts}` });
  await tab.waitIdle(session, idles + 1, 150_000);
  return String(
    tab
      .events(session)
      .filter((f) => f.event === "tool.end")
      .at(-1)?.output,
  );
}

for (const vp of VIEWPORTS) {
  describe(`the Canvas tab at ${vp.name} width (${vp.width}px)`, () => {
    test("agent publishes arrive live, revisions, Markdown, Mermaid, HTML isolation, annotation to chat", async () => {
      const projectId = await createProject(w.admin, `Canvas ${vp.name}`);
      const tab = await AgentTab.open(w.t.url, w.admin.cookie);
      const { session_id: session } = await tab.ok<{ session_id: string }>("session.create", {
        project_id: projectId,
      });
      await tab.ok("session.subscribe", { session_id: session });
      await tab.waitEvent(session, (f) => f.event === "session.state", "session.state", 150_000);

      const { ctx, page, errors } = await signedIn(
        browser,
        w.t.url,
        vp,
        w.t.admin.username,
        w.t.admin.password,
      );
      const framed = framedAuthRequests(page);
      await page.addInitScript(() => {
        const w = window as unknown as { __probes: unknown[] };
        w.__probes = [];
        window.addEventListener("message", (e) => {
          if (e.data && typeof e.data === "object" && "canvasProbe" in e.data)
            w.__probes.push(e.data.canvasProbe);
        });
      });
      await page.goto(`${w.t.url}/projects/${projectId}/canvas`);
      await page.getByText("Nothing on the canvas yet.").waitFor({ timeout: T });

      // ── the agent publishes; the open tab shows it without a reload ──
      const out = await agentRuns(
        tab,
        session,
        "printf '# Findings\\n\\n- all **green**\\n' > report.md && octo-tool canvas publish report.md --title Findings",
      );
      expect(out).toContain('"Findings" (markdown');
      const list = page.getByRole("list", { name: "Artifacts" });
      await list.getByRole("button", { name: /Findings/ }).waitFor({ timeout: T });
      const render = page.locator(".canvas-render");
      await render.locator("article.markdown-body strong", { hasText: "green" }).waitFor({ timeout: T });

      await agentRuns(
        tab,
        session,
        "printf '# Findings\\n\\n- still *green*\\n' > report.md && octo-tool canvas publish report.md",
      );
      await page.locator('.canvas-render[data-revision="2"]').waitFor({ timeout: T });
      await render.locator("em", { hasText: "green" }).waitFor({ timeout: T });
      await list.getByText("rev 2").waitFor({ timeout: T });
      const picker = page.getByLabel("Revision");
      expect(await picker.locator("option").count()).toBe(2);
      await picker.selectOption("1");
      await page.locator('.canvas-render[data-revision="1"]').waitFor({ timeout: T });
      await render.locator("strong", { hasText: "green" }).waitFor({ timeout: T });
      await screenshot(page, `canvas-markdown-${vp.name}`);

      // ── Mermaid renders (under the app's CSP) ──
      await upload(w, projectId, "flow.mmd", "graph TD\n  Plan --> Build\n  Build --> Ship\n");
      await list.getByRole("button", { name: /flow\.mmd/ }).click();
      await page.locator("img.canvas-mermaid").waitFor({ timeout: T });
      await screenshot(page, `canvas-mermaid-${vp.name}`);

      // ── HTML runs sandboxed: its script runs, but reaches neither the API nor the cookies ──
      await upload(w, projectId, "probe.html", PROBE_HTML);
      await list.getByRole("button", { name: /probe\.html/ }).click();
      await page.locator("iframe.canvas-frame").waitFor({ timeout: T });
      expect(await page.locator("iframe.canvas-frame").getAttribute("sandbox")).toBe("allow-scripts");
      // The artifact's script reports back with postMessage (querying inside the opaque-origin frame
      // through Playwright was flaky under load: "Frame was detached").
      const probe = (await page.evaluate(
        (ms) =>
          new Promise((resolve, reject) => {
            const w = window as unknown as { __probes: unknown[] };
            if (w.__probes.length > 0) return resolve(w.__probes[0]);
            const timer = setTimeout(() => reject(new Error("the artifact never reported")), ms);
            const heard = (e: MessageEvent) => {
              if (!e.data || typeof e.data !== "object" || !("canvasProbe" in e.data)) return;
              clearTimeout(timer);
              window.removeEventListener("message", heard);
              resolve(e.data.canvasProbe);
            };
            window.addEventListener("message", heard);
          }),
        T,
      )) as unknown as { fetch: string; cookie: string; storage: string };
      expect(probe.fetch).toBe("error:TypeError");
      expect(probe.cookie).toBe("error:SecurityError");
      expect(probe.storage).toBe("error:SecurityError");
      expect(framed).toEqual([]);
      await screenshot(page, `canvas-html-${vp.name}`);

      // ── annotate an SVG and send it to the chat ──
      await upload(w, projectId, "plan.svg", SVG);
      await list.getByRole("button", { name: /plan\.svg/ }).click();
      await page.locator("img.canvas-image[alt='plan.svg']").waitFor({ timeout: T });
      await page.getByRole("button", { name: "Annotate" }).click();
      await page.locator(".annotator-stage canvas").first().waitFor({ timeout: T });
      const touch = vp.name === "phone";
      await stroke(page, 0.1, 0.2, 0.5, 0.6, touch);
      await shapesAre(page, 1);
      await page.getByRole("button", { name: "Box" }).click();
      await stroke(page, 0.55, 0.2, 0.9, 0.8, touch);
      await shapesAre(page, 2);
      await page.getByRole("button", { name: "Arrow" }).click();
      await stroke(page, 0.9, 0.9, 0.7, 0.5, touch);
      await shapesAre(page, 3);
      await page.getByRole("button", { name: "Text" }).click();
      await page.getByLabel("Text to place").fill("move this");
      await stroke(page, 0.1, 0.85, 0.1, 0.85, touch);
      await shapesAre(page, 4);
      await page.getByRole("button", { name: "Undo" }).click();
      await shapesAre(page, 3);
      await page.getByRole("button", { name: "Redo" }).click();
      await shapesAre(page, 4);
      await screenshot(page, `canvas-annotate-${vp.name}`);

      w.fx.enqueue([{ text: "I see the box around the label." }]);
      const before = w.fx.requests.length;
      await page.getByRole("button", { name: "Send to chat" }).click();
      await page.waitForURL(`**/projects/${projectId}/chat?session=${session}`, { timeout: T });
      const asked = await w.fx.waitForRequest(
        (r, i = w.fx.requests.indexOf(r)) =>
          i >= before && r.kind === "chat" && r.lastUserText.includes("Annotated canvas artifact"),
        60_000,
      );
      const image = imagePartOf(asked.body);
      expect(image?.slice(0, 22)).toBe("data:image/png;base64,");
      const png = Buffer.from(image?.slice(22) ?? "", "base64");
      expect(png.subarray(1, 4).toString()).toBe("PNG");
      // The export keeps the picture's own size (600 × 300), not the screen's.
      expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([600, 300]);
      await page.getByText("I see the box around the label.").waitFor({ timeout: 60_000 });
      await page.locator(".msg[data-role='user'] img").first().waitFor({ timeout: T });
      await screenshot(page, `canvas-sent-${vp.name}`);
      // The probe's blocked fetch is reported by Chromium as a CSP violation: expected, nothing else is.
      expect((await pageErrors(page, errors)).filter((e) => !e.includes("/api/auth/me"))).toEqual([]);
      await ctx.close();
      await tab.close();
    });
  });
}

import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import type { Browser, Page } from "rebrowser-playwright";
import { AgentTab, createProject, type SessionWorld, startWorld } from "../sessions/harness.ts";
import { ensureUiBuilt, launchChromium, pageErrors, screenshot, signedIn, VIEWPORTS } from "./browser.ts";
import { imagePartOf, pixelsOf, pngSize, shapesAre, stroke, upload } from "./canvas-helpers.ts";

/**
 * Annotating what cannot be drawn on directly (decision 0031), in real Chromium under the UI's real
 * CSP: rendered Markdown is turned into a picture by the app, an HTML artifact hands over a picture
 * of itself from its sandboxed frame; each, drawn on, reaches the model as a PNG of the expected size
 * and content. A hostile artifact that answers junk or never answers gets a clear message and
 * changes nothing in the app.
 */
setDefaultTimeout(300_000);

let w: SessionWorld;
let browser: Browser;
let tab: AgentTab;
let projectId: string;
const T = 30_000;

beforeAll(async () => {
  await ensureUiBuilt();
  w = await startWorld({ models: '[{ id = "fake-1", images = true }]' });
  browser = await launchChromium({ enforceCsp: true });
  // One project and one conversation, with its agent up, that the pictures of both widths go to
  // (as a person's open chat would be): one agent start, not one per width, on a loaded machine.
  projectId = await createProject(w.admin, "Annotate");
  tab = await AgentTab.open(w.t.url, w.admin.cookie);
  const { session_id: session } = await tab.ok<{ session_id: string }>("session.create", {
    project_id: projectId,
  });
  await tab.ok("session.subscribe", { session_id: session });
  await tab.waitEvent(session, (f) => f.event === "session.state", "session.state", 240_000);
}, 420_000);

afterAll(async () => {
  await tab?.close();
  await browser?.close();
  await w?.stop();
});

const MARKDOWN = [
  "# Release plan",
  "",
  "Ship the **canvas** on Friday. A picture from elsewhere (blocked by the app's policy):",
  "",
  "![remote](https://example.invalid/chart.png)",
  "",
  "| step | owner |",
  "|------|-------|",
  "| build | ada |",
  "",
].join("\n");

/** A fixed-size page: a green and a blue block, and a yellow <canvas> its script paints. */
const HTML = `<!doctype html><html><head><style>
html, body { margin: 0; width: 480px; height: 320px; overflow: hidden; background: #ffffff; }
.b { position: absolute; width: 240px; height: 160px; }
</style></head><body>
<div class="b" style="left:0;top:0;background:rgb(0,128,0)"></div>
<div class="b" style="left:240px;top:160px;background:rgb(0,0,255)"></div>
<canvas id="c" width="100" height="50" style="position:absolute;left:300px;top:20px"></canvas>
<script>const g = document.getElementById("c").getContext("2d"); g.fillStyle = "rgb(255,200,0)"; g.fillRect(0, 0, 100, 50);</script>
</body></html>`;

/** Answers the request itself with junk, makes octo's script answer junk too, and tries to navigate the app. */
const JUNK_HTML = `<!doctype html><html><body><p>junk</p><script>
HTMLCanvasElement.prototype.toDataURL = () => "data:image/png;base64,AAAA";
addEventListener("message", (e) => {
  const d = e.data || {};
  parent.postMessage({ type: d.type, token: d.token, png: "javascript:alert(1)//<img src=x onerror=alert(1)>" }, "*");
  parent.postMessage("<script>alert(1)<\\/script>", "*");
  try { top.location.href = "https://example.invalid/"; } catch {}
});
</script></body></html>`;

/** Leaves octo's script waiting for an image that never loads: no answer ever comes. */
const SILENT_HTML = `<!doctype html><html><body><p>silent</p><script>
window.Image = function () { return {}; };
</script></body></html>`;

const near = (a: number, b: number) => Math.abs(a - b) <= 1;
const isRed = ([r = 0, g = 0, b = 0]: number[]) => r > 180 && g < 120 && b < 120;
const colour = ([r = 0, g = 0, b = 0]: number[]) => [r, g, b];

/** Opens the artifact, annotates it with a red stroke, sends it; the PNG the model got. */
async function annotateAndSend(
  page: Page,
  projectId: string,
  name: string,
  line: [number, number, number, number],
  touch: boolean,
  shot: string,
): Promise<string> {
  await page.goto(`${w.t.url}/projects/${projectId}/canvas`);
  await page.getByRole("list", { name: "Artifacts" }).getByRole("button", { name: name }).click();
  await page.getByRole("button", { name: "Annotate" }).click();
  await page.locator(".annotator-stage canvas").first().waitFor({ timeout: T });
  await stroke(page, ...line, touch);
  await shapesAre(page, 1);
  await screenshot(page, `${shot}-annotate`);
  w.fx.enqueue([{ text: `Seen ${name}.` }]);
  const before = w.fx.requests.length;
  await page.getByRole("button", { name: "Send to chat" }).click();
  const failed = page.locator(".annotator .error");
  await Promise.race([
    page.waitForURL(`**/projects/${projectId}/chat?session=*`, { timeout: 90_000 }),
    failed.waitFor({ timeout: 90_000 }).then(async () => {
      throw new Error(`sending failed: ${await failed.textContent()}`);
    }),
  ]);
  const asked = await w.fx.waitForRequest(
    (r, i = w.fx.requests.indexOf(r)) =>
      i >= before && r.kind === "chat" && r.lastUserText.includes(`Annotated canvas artifact "${name}"`),
    60_000,
  );
  await page.getByText(`Seen ${name}.`).waitFor({ timeout: 60_000 });
  await screenshot(page, `${shot}-sent`);
  const image = imagePartOf(asked.body) ?? "";
  expect(image.slice(0, 22)).toBe("data:image/png;base64,");
  return image;
}

for (const vp of VIEWPORTS) {
  describe(`annotating Markdown and HTML at ${vp.name} width (${vp.width}px)`, () => {
    test("both reach the chat as a PNG of the page; a hostile artifact gets a clear message", async () => {
      const name = (file: string) => `${vp.name}-${file}`;
      const { ctx, page, errors } = await signedIn(
        browser,
        w.t.url,
        vp,
        w.t.admin.username,
        w.t.admin.password,
      );
      const touch = vp.name === "phone";
      await upload(w, projectId, name("plan.md"), MARKDOWN);
      await upload(w, projectId, name("page.html"), HTML);
      await upload(w, projectId, name("junk.html"), JUNK_HTML);
      await upload(w, projectId, name("silent.html"), SILENT_HTML);

      // ── Markdown: the rendered article, measured in the page, is the picture's size ──
      await page.goto(`${w.t.url}/projects/${projectId}/canvas`);
      await page
        .getByRole("list", { name: "Artifacts" })
        .getByRole("button", { name: name("plan.md") })
        .click();
      const article = page.locator(".canvas-render article.markdown-body");
      await article.locator("strong", { hasText: "canvas" }).waitFor({ timeout: T });
      const size = await article.evaluate((el) => {
        const r = el.getBoundingClientRect();
        return [Math.ceil(Math.max(r.width, el.scrollWidth)), Math.ceil(Math.max(r.height, el.scrollHeight))];
      });
      await screenshot(page, `canvas-md-${vp.name}`);
      const md = await annotateAndSend(
        page,
        projectId,
        name("plan.md"),
        [0.1, 0.5, 0.9, 0.5],
        touch,
        `canvas-md-${vp.name}`,
      );
      const [mw, mh] = pngSize(Buffer.from(md.slice(22), "base64"));
      expect(near(mw, size[0] as number) && near(mh, size[1] as number)).toBe(true);
      // The heading's letters are in the picture (dark on light, or light on dark), the stroke over it.
      const band = await pixelsOf(
        page,
        md,
        Array.from(
          { length: 200 },
          (_, i) => [0.01 + (i % 50) * 0.006, 0.02 + Math.floor(i / 50) * 0.01] as [number, number],
        ),
      );
      const [bg] = await pixelsOf(page, md, [[0.995, 0.995]]);
      const differs = band.filter((p) =>
        colour(p).some((c, k) => Math.abs(c - (colour(bg ?? [])[k] ?? 0)) > 60),
      );
      expect(differs.length).toBeGreaterThan(3);
      const [onStroke] = await pixelsOf(page, md, [[0.5, 0.5]]);
      expect(isRed(onStroke ?? [])).toBe(true);

      // ── HTML: the frame draws itself, 480 × 320, blocks and canvas where they are ──
      const html = await annotateAndSend(
        page,
        projectId,
        name("page.html"),
        [0.55, 0.45, 0.95, 0.45],
        touch,
        `canvas-html-${vp.name}`,
      );
      expect(pngSize(Buffer.from(html.slice(22), "base64"))).toEqual([480, 320]);
      const [green, blue, yellow, white, red] = await pixelsOf(page, html, [
        [20 / 480, 140 / 320],
        [460 / 480, 300 / 320],
        [350 / 480, 45 / 320],
        [100 / 480, 250 / 320],
        [360 / 480, 144 / 320],
      ]);
      expect(colour(green ?? [])).toEqual([0, 128, 0]);
      expect(colour(blue ?? [])).toEqual([0, 0, 255]);
      expect(colour(yellow ?? [])).toEqual([255, 200, 0]);
      expect(colour(white ?? [])).toEqual([255, 255, 255]);
      expect(isRed(red ?? [])).toBe(true);

      // ── hostile artifacts: junk, then silence; a clear message, no annotator, the app stays ──
      await page.goto(`${w.t.url}/projects/${projectId}/canvas`);
      const list = page.getByRole("list", { name: "Artifacts" });
      await list.getByRole("button", { name: name("junk.html") }).click();
      await page.locator("iframe.canvas-frame").waitFor({ timeout: T });
      await page.getByRole("button", { name: "Annotate" }).click();
      const alert = page.getByTestId("annotate-error");
      await alert.getByText("answered with something that is not a picture").waitFor({ timeout: T });
      expect(await page.locator(".annotator").count()).toBe(0);
      expect(await page.locator("img[src^='javascript:'], .canvas-tab script").count()).toBe(0);
      expect(page.url()).toBe(`${w.t.url}/projects/${projectId}/canvas`);
      await screenshot(page, `canvas-junk-${vp.name}`);

      await list.getByRole("button", { name: name("silent.html") }).click();
      await page.locator("iframe.canvas-frame").waitFor({ timeout: T });
      await page.getByRole("button", { name: "Annotate" }).click();
      await page.getByRole("button", { name: "Preparing…" }).waitFor({ timeout: T });
      await alert
        .getByText("did not hand over a picture of itself within 10 seconds")
        .waitFor({ timeout: T });
      expect(await page.locator(".annotator").count()).toBe(0);
      await page.getByRole("button", { name: "Annotate" }).waitFor({ timeout: T });
      await screenshot(page, `canvas-silent-${vp.name}`);

      // The junk artifact's attempt to navigate the app is refused by the sandbox (Chromium logs it).
      const unexpected = (await pageErrors(page, errors)).filter((e) => !/navigat|example\.invalid/i.test(e));
      expect(unexpected).toEqual([]);
      await ctx.close();
    });
  });
}

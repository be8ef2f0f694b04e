#!/usr/bin/env bun
/**
 * `bun bench/canvas-snapshot.ts [--runs N]`: how long turning a rendered page into a PNG takes
 * (`src/protocol/snapshot.ts`, decision 0031) in real Chromium, for Markdown-like articles of a few
 * sizes: inlining computed styles, serialising into an SVG `<foreignObject>`, decoding, drawing and
 * PNG-encoding. A static page served by Bun (no octo server); the function is the one the Canvas
 * tab and HTML artifacts run. Prints numbers; asserts nothing.
 */
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { snapshotElement } from "../src/protocol/snapshot.ts";
import { launchChromium } from "../test/ui/browser.ts";

const { values } = parseArgs({ args: Bun.argv.slice(2), options: { runs: { type: "string" } } });
const RUNS = Number(values.runs ?? 10);

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((s.length - 1) * p))] as number;
};

/** An article of `sections` sections: a heading, a paragraph with inline markup, a list, a table. */
function article(sections: number): string {
  let html = "";
  for (let i = 0; i < sections; i++)
    html +=
      `<h2>Section ${i}</h2><p>Some <strong>bold</strong>, <em>emphasis</em> and <code>code</code> in a paragraph long enough to wrap over a line or two.</p>` +
      `<ul><li>first</li><li>second <a href="#">link</a></li></ul>` +
      `<table><tr><th>a</th><th>b</th></tr><tr><td>${i}</td><td>${i * 2}</td></tr></table>`;
  return `<!doctype html><html><head><style>
body { font: 15px/1.5 sans-serif; margin: 0; } article { width: 720px; padding: 16px; color: #222; }
h2 { border-bottom: 1px solid #ddd; } code { background: #f3f3f3; padding: 0 4px; border-radius: 4px; }
table { border-collapse: collapse; } td, th { border: 1px solid #ccc; padding: 4px 8px; }
</style></head><body><button id="go" style="position:fixed;top:0;right:0">go</button><article>${html}</article></body></html>`;
}

const server = Bun.serve({
  port: 0,
  fetch: (req) =>
    new Response(article(Number(new URL(req.url).searchParams.get("n") ?? 10)), {
      headers: { "content-type": "text/html" },
    }),
});
const browser = await launchChromium();
const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
console.log(
  `load average ${loadavg()
    .map((x) => x.toFixed(1))
    .join(" ")} (2-core VM, shared)`,
);
for (const n of [10, 50, 150]) {
  await page.goto(`http://127.0.0.1:${server.port}/?n=${n}`);
  await page.waitForLoadState("load");
  await page.addScriptTag({
    content: `window.snap = ${snapshotElement.toString()};
document.getElementById("go").onclick = () => {
  const el = document.querySelector("article");
  const t0 = performance.now();
  window.snap(el, { maxWidth: 2000, maxHeight: 4000, maxChars: 8000000, background: "#fff" }).then((png) => {
    window.done = { ms: performance.now() - t0, chars: png.length, elements: el.querySelectorAll("*").length };
  });
};`,
  });
  const times: number[] = [];
  let info = "";
  for (let i = 0; i < RUNS; i++) {
    // Started by a click and collected after: an evaluate in flight while the snapshot adds and
    // removes its scratch frame loses its context under rebrowser-playwright.
    await page.evaluate(() => {
      (window as unknown as { done?: unknown }).done = undefined;
    });
    await page.click("#go", { timeout: 120_000 });
    const handle = await page.waitForFunction(() => (window as unknown as { done?: unknown }).done, null, {
      timeout: 120_000,
    });
    const r = (await handle.jsonValue()) as { ms: number; chars: number; elements: number };
    times.push(r.ms);
    info = `${r.elements} elements, PNG data URL ${(r.chars / 1e6).toFixed(2)} M chars`;
  }
  console.log(
    `${n} sections (${info}): p50 ${pct(times, 0.5).toFixed(0)} ms, p90 ${pct(times, 0.9).toFixed(0)} ms (n=${RUNS})`,
  );
}
await browser.close();
server.stop();

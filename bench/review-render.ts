#!/usr/bin/env bun
/**
 * `bun bench/review-render.ts [--runs N] [--scroll-frames N]`: long diffs in the Changes view in
 * real Chromium, against the real server from source (runner, sandbox, pi; the scripted LLM
 * fixture as the provider). The agent rewrites every line of three TypeScript files: 500 lines
 * (1,000 changed lines: 500 removed, 500 added), 5,000 (10,000) and 25,000 (50,000).
 *
 * At 1280 and 375 px, unified and side by side:
 * - open (1,000 and 10,000 changed lines): click the file → the first screen of rows exists and
 *   two animation frames have passed (painted), then → a task posted after that paint runs (the
 *   page answers input: "interactive"). p50/p95 over the runs, and the diff request's own time.
 * - scroll (50,000 changed lines): long tasks (> 50 ms, the Long Tasks API) while the diff is
 *   scrolled a screen per frame, then to 40 far-apart places, then to the end until every page is
 *   loaded (each page fetched and appended on the way).
 * Target (issue 16): a 1,000-changed-line diff renders in ≤ 200 ms. Prints numbers; asserts nothing.
 */
import { lstatSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { Page } from "rebrowser-playwright";
import { AgentTab, createProject, startWorld } from "../test/sessions/harness.ts";
import { ensureUiBuilt, launchChromium, signedIn, VIEWPORTS } from "../test/ui/browser.ts";

const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: { runs: { type: "string" }, "scroll-frames": { type: "string" }, width: { type: "string" } },
});
const RUNS = Number(values.runs ?? 15);
const SCROLL_FRAMES = Number(values["scroll-frames"] ?? 300);
/** File → lines the agent rewrites (each gives a removed and an added row). */
const FILES = { "d1k.ts": 500, "d10k.ts": 5_000, "d50k.ts": 25_000 } as const;
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.max(0, Math.ceil((p / 100) * xs.length) - 1)] ?? 0;
const ms = (x: number) => `${x.toFixed(0)} ms`;
const load = () =>
  loadavg()
    .map((x) => x.toFixed(1))
    .join(" ");

await ensureUiBuilt();
const w = await startWorld();
const browser = await launchChromium();
try {
  const projectId = await createProject(w.admin, "Render bench");
  const p = await w.admin.get<{ project: { slug: string } }>(`/api/projects/${projectId}`);
  const dir = w.t.server.ctx.services.placement.project(w.t.admin.username, p.body.project.slug).projectDir;
  for (const [name, n] of Object.entries(FILES)) {
    const body = Array.from(
      { length: n },
      (_, i) => `export function f${i}(x: number): number { return x + ${i}; }`,
    );
    writeFileSync(join(dir, name), `${body.join("\n")}\n`);
  }
  writeFileSync(join(dir, "small.ts"), "export const a = 1;\n");
  const owner = lstatSync(dir);
  Bun.spawnSync(["chown", "-R", `${owner.uid}:${owner.gid}`, dir]);
  const tab = await AgentTab.open(w.t.url, w.admin.cookie);
  const { session_id } = await tab.ok<{ session_id: string }>("session.create", { project_id: projectId });
  await tab.ok("session.subscribe", { session_id, after_seq: 0 });
  const command = `sed -i 's/return x +/return x */' ${Object.keys(FILES).join(" ")} && echo 'export const a = 2;' > small.ts`;
  w.fx.enqueue([{ toolCall: { name: "bash", args: { command } } }], [{ text: "done" }]);
  await tab.ok("prompt", { session_id, message: "rewrite", client_id: "bench-1" }, 600_000);
  await tab.waitIdle(session_id, 1, 600_000);
  await tab.close();
  console.log(`runs: ${RUNS} per figure; load average at start: ${load()}`);

  for (const vp of VIEWPORTS.filter((v) => !values.width || String(v.width) === values.width)) {
    const { page } = await signedIn(browser, w.t.url, vp, w.t.admin.username, w.t.admin.password);
    await page.goto(`${w.t.url}/projects/${projectId}/chat?session=${session_id}`);
    await page.getByRole("button", { name: "Changes" }).click();
    const files = page.getByRole("list", { name: "Changed files" });
    await files.getByRole("button", { name: /d1k\.ts/ }).waitFor({ timeout: 60_000 });
    for (const mode of ["Unified", "Side by side"] as const) {
      await page.getByRole("button", { name: mode }).click();
      const rowSel = mode === "Unified" ? ".diff-line" : ".diff-pair";
      for (const file of ["d1k.ts", "d10k.ts"] as const) {
        const first: number[] = [];
        const ready: number[] = [];
        const fetched: number[] = [];
        const rendered: number[] = [];
        for (let run = 0; run < RUNS + 1; run++) {
          await files.getByRole("button", { name: /small\.ts/ }).click();
          await page.locator(rowSel).filter({ hasText: "a = 2" }).waitFor();
          const r = await openTimed(page, file, rowSel);
          if (run === 0) continue; // warm-up
          first.push(r.first);
          ready.push(r.ready);
          fetched.push(r.fetch);
          rendered.push(r.rows);
        }
        console.log(
          `${vp.width}px ${mode}, ${2 * FILES[file]} changed lines: first screen p50 ${ms(pct(first, 50))} p95 ${ms(pct(first, 95))}; interactive p50 ${ms(pct(ready, 50))} p95 ${ms(pct(ready, 95))}; request p50 ${ms(pct(fetched, 50))}; rows in the DOM ${pct(rendered, 50)}; load ${load()}`,
        );
      }
      await files.getByRole("button", { name: /d50k\.ts/ }).click();
      await page.locator(rowSel).first().waitFor();
      await page.locator(".changes-diff .diff[aria-busy='false']").waitFor();
      const cdp = process.env.PROFILE ? await page.context().newCDPSession(page) : null;
      if (cdp) {
        await cdp.send("Profiler.enable");
        await cdp.send("Profiler.start");
      }
      const s = await scrollTimed(page, rowSel);
      if (cdp) printProfile(await cdp.send("Profiler.stop"));
      console.log(
        `${vp.width}px ${mode}, 50,000 changed lines, scrolling: ${s.frames} frames a screen each, 40 jumps, to the end (${s.pages} more pages fetched, ${s.rows} rows): long tasks ${s.long.length} (> 50 ms), longest ${ms(s.longest)}${s.long.length ? ` [${s.long.map((x) => x.toFixed(0)).join(", ")}]` : ""}; max rows in the DOM ${s.maxRows}; ${ms(s.total)} in all; load ${load()}`,
      );
    }
    await page.context().close();
  }
} finally {
  await browser.close();
  await w.stop();
}

/** Click `file` in the list; time until its first screen is painted, and until a task after that runs. */
function openTimed(page: Page, file: string, sel: string) {
  return page.evaluate(
    ({ file, sel }) =>
      new Promise<{ first: number; ready: number; fetch: number; rows: number }>((resolve) => {
        performance.clearResourceTimings();
        const button = [...document.querySelectorAll(".changes-file")].find((b) =>
          b.textContent?.includes(file),
        ) as HTMLElement;
        const t0 = performance.now();
        button.click();
        const check = () => {
          const diff = document.querySelector(".changes-diff .diff");
          if (diff?.getAttribute("aria-busy") !== "false" || !diff.querySelector(sel))
            return requestAnimationFrame(check);
          requestAnimationFrame(() =>
            requestAnimationFrame(() => {
              const first = performance.now() - t0;
              const ch = new MessageChannel();
              ch.port1.onmessage = () => {
                const res = performance
                  .getEntriesByType("resource")
                  .find((e) => e.name.includes("/changes/diff"));
                resolve({
                  first,
                  ready: performance.now() - t0,
                  fetch: res ? res.duration : 0,
                  rows: diff.querySelectorAll(`${sel}, .diff-hunk`).length,
                });
              };
              ch.port2.postMessage(null);
            }),
          );
        };
        check();
      }),
    { file, sel },
  );
}

/** Scroll the open diff a screen per frame, then jump about, then to the end; long tasks meanwhile. */
function scrollTimed(page: Page, sel: string) {
  return page.evaluate(
    ({ sel, frames }) =>
      new Promise<{
        long: number[];
        longest: number;
        frames: number;
        pages: number;
        rows: number;
        maxRows: number;
        total: number;
      }>((resolve) => {
        const el = document.querySelector(".changes-diff .diff") as HTMLElement;
        const long: number[] = [];
        const obs = new PerformanceObserver((l) => {
          for (const e of l.getEntries()) long.push(e.duration);
        });
        obs.observe({ type: "longtask" });
        const frame = () => new Promise((r) => requestAnimationFrame(r));
        let maxRows = 0;
        let pages = 0;
        const count = () => {
          maxRows = Math.max(maxRows, el.querySelectorAll(`${sel}, .diff-hunk`).length);
        };
        const t0 = performance.now();
        void (async () => {
          for (let f = 0; f < frames; f++) {
            el.scrollTop += el.clientHeight;
            await frame();
            count();
          }
          let seed = 7;
          for (let j = 0; j < 40; j++) {
            seed = (seed * 48271) % 2147483647;
            el.scrollTop = (seed / 2147483647) * el.scrollHeight;
            await frame();
            await frame();
            count();
          }
          for (let guard = 0; guard < 5000; guard++) {
            const busy = () => el.getAttribute("aria-busy") === "true";
            if (!busy() && !el.querySelector(".diff-more")) break;
            el.scrollTop = el.scrollHeight;
            await frame();
            count();
            if (busy()) {
              pages++;
              while (busy()) await frame();
            }
          }
          // The last page grew the diff below the view: to its end once more.
          el.scrollTop = el.scrollHeight;
          await frame();
          await frame();
          await frame();
          obs.disconnect();
          const last = el.querySelectorAll<HTMLElement>("[data-i]");
          resolve({
            long,
            longest: Math.max(0, ...long),
            frames,
            pages,
            rows: Number(last[last.length - 1]?.dataset.i ?? 0) + 1,
            maxRows,
            total: performance.now() - t0,
          });
        })();
      }),
    { sel, frames: SCROLL_FRAMES },
  );
}

/** Self time by function, the top 20 (PROFILE=1). */
function printProfile(r: unknown) {
  const prof = (
    r as {
      profile: {
        nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
        samples: number[];
        timeDeltas: number[];
      };
    }
  ).profile;
  const self = new Map<number, number>();
  for (const [i, id] of prof.samples.entries()) self.set(id, (self.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0));
  const byName = new Map<string, number>();
  for (const n of prof.nodes) {
    const k = `${n.callFrame.functionName || "(anon)"} ${n.callFrame.url.split("/").at(-1)}:${n.callFrame.lineNumber}`;
    byName.set(k, (byName.get(k) ?? 0) + (self.get(n.id) ?? 0) / 1000);
  }
  console.log(
    [...byName]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 20)
      .map(([k, v]) => `  ${v.toFixed(0)} ms ${k}`)
      .join("\n"),
  );
}

#!/usr/bin/env bun
/**
 * `bun bench/review-render.ts [--runs N] [--lines N]`: a diff of 2N changed lines (default N = 500:
 * every line of a 500-line TypeScript file rewritten by the agent, so 500 removed and 500 added rows) opened in the
 * Changes view in real Chromium, against the real server from source (runner, sandbox, pi; the
 * scripted LLM fixture as the provider). Per run: click the file → every row on screen (two
 * animation frames after the last row exists), and of that the diff request's own time. Unified and
 * side by side. Target (issue 16): ≤ 200 ms. Prints numbers; asserts nothing.
 */
import { lstatSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { AgentTab, createProject, startWorld } from "../test/sessions/harness.ts";
import { ensureUiBuilt, launchChromium, signedIn, VIEWPORTS } from "../test/ui/browser.ts";

const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: { runs: { type: "string" }, lines: { type: "string" } },
});
const RUNS = Number(values.runs ?? 7);
/** Lines of the file the agent rewrites: each gives a removed and an added row (500 → 1,000 changed lines). */
const LINES = Number(values.lines ?? 500);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

await ensureUiBuilt();
const w = await startWorld();
const browser = await launchChromium();
try {
  const projectId = await createProject(w.admin, "Render bench");
  const p = await w.admin.get<{ project: { slug: string } }>(`/api/projects/${projectId}`);
  const dir = w.t.server.ctx.services.placement.project(w.t.admin.username, p.body.project.slug).projectDir;
  const body = Array.from(
    { length: LINES },
    (_, i) => `export function f${i}(x: number): number { return x + ${i}; }`,
  );
  writeFileSync(join(dir, "big.ts"), `${body.join("\n")}\n`);
  writeFileSync(join(dir, "small.ts"), "export const a = 1;\n");
  const owner = lstatSync(dir);
  Bun.spawnSync(["chown", "-R", `${owner.uid}:${owner.gid}`, dir]);
  const tab = await AgentTab.open(w.t.url, w.admin.cookie);
  const { session_id } = await tab.ok<{ session_id: string }>("session.create", { project_id: projectId });
  await tab.ok("session.subscribe", { session_id, after_seq: 0 });
  w.fx.enqueue(
    [
      {
        toolCall: {
          name: "bash",
          args: {
            command: "sed -i 's/return x +/return x */' big.ts && echo 'export const a = 2;' > small.ts",
          },
        },
      },
    ],
    [{ text: "done" }],
  );
  await tab.ok("prompt", { session_id, message: "rewrite", client_id: "bench-1" });
  await tab.waitIdle(session_id, 1, 600_000);
  await tab.close();

  const { page } = await signedIn(browser, w.t.url, VIEWPORTS[0], w.t.admin.username, w.t.admin.password);
  await page.goto(`${w.t.url}/projects/${projectId}/chat?session=${session_id}`);
  await page.getByRole("button", { name: "Changes" }).click();
  const files = page.getByRole("list", { name: "Changed files" });
  await files.getByRole("button", { name: /big\.ts/ }).waitFor({ timeout: 60_000 });
  for (const mode of ["Unified", "Side by side"] as const) {
    await page.getByRole("button", { name: mode }).click();
    const rowSel = mode === "Unified" ? ".diff-line" : ".diff-pair";
    // The first page (1,500 diff lines) at most; what it holds is on screen when the view is not busy.
    const expected = Math.min(mode === "Unified" ? 2 * LINES : LINES, 1000);
    const total: number[] = [];
    const fetchMs: number[] = [];
    const firstMs: number[] = [];
    const profile = process.env.PROFILE ? await page.context().newCDPSession(page) : null;
    for (let run = 0; run < RUNS + 1; run++) {
      if (profile && run === RUNS) {
        await profile.send("Profiler.enable");
        await profile.send("Profiler.start");
      }
      await files.getByRole("button", { name: /small\.ts/ }).click();
      await page.locator(rowSel).filter({ hasText: "a = 2" }).waitFor();
      const r = await page.evaluate(
        ({ sel, n }) =>
          new Promise<{ total: number; fetch: number; first: number }>((resolve) => {
            performance.clearResourceTimings();
            const button = [...document.querySelectorAll(".changes-file")].find((b) =>
              b.textContent?.includes("big.ts"),
            ) as HTMLElement;
            const t0 = performance.now();
            let first = 0;
            button.click();
            const check = () => {
              if (
                !first &&
                document.querySelector(".changes-diff .diff")?.getAttribute("aria-busy") === "false" &&
                document.querySelector(sel) !== null
              )
                requestAnimationFrame(() =>
                  requestAnimationFrame(() => {
                    first ||= performance.now() - t0;
                  }),
                );
              const diff = document.querySelector(".changes-diff .diff");
              if (diff?.getAttribute("aria-busy") === "false" && document.querySelectorAll(sel).length >= n)
                requestAnimationFrame(() =>
                  requestAnimationFrame(() => {
                    const res = performance
                      .getEntriesByType("resource")
                      .find((e) => e.name.includes("/changes/diff"));
                    resolve({ total: performance.now() - t0, fetch: res ? res.duration : 0, first });
                  }),
                );
              else requestAnimationFrame(check);
            };
            check();
          }),
        { sel: rowSel, n: expected },
      );
      if (profile && run === RUNS) {
        const { profile: prof } = (await profile.send("Profiler.stop")) as unknown as {
          profile: {
            nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
            samples: number[];
            timeDeltas: number[];
          };
        };
        const self = new Map<number, number>();
        for (const [i, id] of prof.samples.entries())
          self.set(id, (self.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0));
        const byName = new Map<string, number>();
        for (const n of prof.nodes) {
          const k = `${n.callFrame.functionName || "(anon)"} ${n.callFrame.url.split("/").at(-1)}:${n.callFrame.lineNumber}`;
          byName.set(k, (byName.get(k) ?? 0) + (self.get(n.id) ?? 0) / 1000);
        }
        console.log(
          [...byName]
            .sort((a, b) => b[1] - a[1])
            .slice(0, 15)
            .map(([k, v]) => `${v.toFixed(1)} ms ${k}`)
            .join("\n"),
        );
      }
      if (run > 0) {
        total.push(r.total);
        firstMs.push(r.first || r.total);
        fetchMs.push(r.fetch);
      }
    }
    console.log(
      `${mode}: ${2 * LINES} changed lines → first screen: median ${median(firstMs).toFixed(0)} ms (min ${Math.min(...firstMs).toFixed(0)}); every row: median ${median(total).toFixed(0)} ms (min ${Math.min(...total).toFixed(0)}); the diff request ${median(fetchMs).toFixed(0)} ms`,
    );
  }
  console.log(
    `load average: ${loadavg()
      .map((x) => x.toFixed(2))
      .join(" ")}`,
  );
} finally {
  await browser.close();
  await w.stop();
}

#!/usr/bin/env bun
/**
 * `bun bench/canvas.ts [--runs N]`: artifact publish → visible in an open Canvas tab, in real
 * Chromium against the server run from source (real runner, sandbox and mux; the scripted LLM
 * fixture as the provider).
 *
 * (a) a person's upload: from the HTTP `POST …/canvas/upload` until the new revision's text is on
 *     screen in another tab (which hears of it on the mux `changes` channel and reloads over HTTP);
 * (b) the agent: `octo-tool canvas publish` run by the agent's bash tool in its sandbox, from the
 *     moment the tool starts (its `date +%s%3N`) until the text is on screen — tool socket, runner,
 *     server, mux, UI.
 *
 * Each run publishes a new revision of the same Markdown file, whose text carries a marker the page
 * waits for with a MutationObserver; times come from the one host clock. Prints numbers; asserts nothing.
 */
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import type { Page } from "rebrowser-playwright";
import { AgentTab, createProject, startWorld } from "../test/sessions/harness.ts";
import { ensureUiBuilt, launchChromium, signedIn, VIEWPORTS } from "../test/ui/browser.ts";

const { values } = parseArgs({ args: Bun.argv.slice(2), options: { runs: { type: "string" } } });
const RUNS = Number(values.runs ?? 20);

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((s.length - 1) * p))] as number;
};
const summary = (xs: number[]) =>
  `p50 ${pct(xs, 0.5).toFixed(0)} ms, p90 ${pct(xs, 0.9).toFixed(0)} ms, min ${Math.min(...xs).toFixed(0)} ms (n=${xs.length})`;

/** Records, in the page, when each marker first shows in the canvas (the page's clock). */
function recordMarkers(page: Page): Promise<void> {
  return page.evaluate(() => {
    const seen: Record<string, number> = {};
    (window as unknown as { __seen: Record<string, number> }).__seen = seen;
    const look = () => {
      const text = document.querySelector(".canvas-render")?.textContent ?? "";
      for (const m of text.match(/(person|agent)-\d+-[0-9a-f]{8}/g) ?? []) seen[m] ??= Date.now();
    };
    new MutationObserver(look).observe(document.body, {
      subtree: true,
      childList: true,
      characterData: true,
    });
  });
}

/** When the canvas showed `marker` (waits for it). */
async function seen(page: Page, marker: string): Promise<number> {
  await page.locator(".canvas-render", { hasText: marker }).waitFor({ timeout: 120_000 });
  return page.evaluate(
    (m) => (window as unknown as { __seen: Record<string, number> }).__seen[m] ?? 0,
    marker,
  );
}

await ensureUiBuilt();
const w = await startWorld();
const browser = await launchChromium();
try {
  const projectId = await createProject(w.admin, "Canvas bench");
  const { ctx, page } = await signedIn(
    browser,
    w.t.url,
    VIEWPORTS[0],
    w.t.admin.username,
    w.t.admin.password,
  );
  await page.goto(`${w.t.url}/projects/${projectId}/canvas`);
  await page.getByText("Nothing on the canvas yet.").waitFor({ timeout: 30_000 });
  await recordMarkers(page);

  const upload = (text: string) =>
    fetch(`${w.t.url}/api/projects/${projectId}/canvas/upload?name=bench.md`, {
      method: "POST",
      headers: { cookie: `octo_session=${w.admin.cookie}`, origin: w.t.url },
      body: text,
    });

  const person: number[] = [];
  for (let i = 0; i <= RUNS; i++) {
    const marker = `person-${i}-${crypto.randomUUID().slice(0, 8)}`;
    const t0 = Date.now();
    const r = await upload(`# Bench\n\n${marker}\n`);
    if (r.status !== 200) throw new Error(`upload: ${r.status}`);
    const t1 = await seen(page, marker);
    if (i > 0) person.push(t1 - t0); // the first one also loads the Markdown renderer
  }

  const tab = await AgentTab.open(w.t.url, w.admin.cookie);
  const { session_id } = await tab.ok<{ session_id: string }>("session.create", { project_id: projectId });
  await tab.ok("session.subscribe", { session_id });
  await tab.waitEvent(session_id, (f) => f.event === "session.state", "session.state", 150_000);
  const agent: number[] = [];
  for (let i = 0; i <= Math.max(3, Math.round(RUNS / 2)); i++) {
    const marker = `agent-${i}-${crypto.randomUUID().slice(0, 8)}`;
    const command = `printf '# Bench\\n\\n${marker}\\n' > agent.md && date +%s%3N && octo-tool canvas publish agent.md`;
    w.fx.enqueue([{ toolCall: { name: "bash", args: { command } } }], [{ text: "ok" }]);
    const idles = tab.events(session_id).filter((f) => f.event === "agent.idle").length;
    await tab.ok("prompt", { session_id, message: "publish", client_id: `bench-${i}` });
    if (i === 0) {
      // The first publish makes the artifact: open it in the tab, whose pane then follows its revisions.
      await tab.waitIdle(session_id, idles + 1, 150_000);
      await page.getByRole("button", { name: /agent\.md/ }).click();
      await seen(page, marker);
      continue;
    }
    const t1 = await seen(page, marker);
    await tab.waitIdle(session_id, idles + 1, 150_000);
    const out = String(
      tab
        .events(session_id)
        .filter((f) => f.event === "tool.end")
        .at(-1)?.output,
    );
    const t0 = Number(/^(\d{13})$/m.exec(out)?.[1]);
    if (!t0) throw new Error(`no start time in ${out}`);
    agent.push(t1 - t0);
  }
  await tab.close();
  await ctx.close();

  console.log(
    `load average: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );
  console.log(`person upload → visible in another tab: ${summary(person)}`);
  console.log(`agent octo-tool canvas publish → visible:  ${summary(agent)}`);
} catch (e) {
  console.error("bench failed:", e);
  process.exitCode = 1;
} finally {
  await browser.close().catch(() => {});
  await w.stop();
}

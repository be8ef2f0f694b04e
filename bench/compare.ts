/**
 * octo and a pinned opencode side by side, one command (issue 13, "Measure"):
 *
 *   bun bench/compare.ts [--runs N] [--only a,b] [--tokens N] [--each N] [--floods 10,50] [--pause MS] [--no-readme]
 *
 * Both products answer from the same scripted LLM (bench/compare/llm.ts, OpenAI-compatible, in its
 * own process); octo is the server from source with its runner and sandboxed pi (bench/compare/octo.ts),
 * opencode is `opencode-ai` 1.18.33 from npm as `opencode serve` (bench/compare/opencode.ts, installed
 * on first use outside the repository). Every section runs the same steps on both, interleaved
 * (octo, opencode, octo, …), notes the load average, and checks that each answer arrived whole
 * (exact text) so a side that drops tokens cannot look fast. At the end the table is written into
 * bench/README.md between its `compare` markers; with `--only`, rows of other sections stay as they were.
 *
 * Sections (--only): startup, memory, newconv, warm, flood, concurrent.
 *   --runs N      repetitions where medians make sense (default 5)
 *   --tokens N    the single flood's size (default 10000)
 *   --floods L    concurrent flood counts (default 10,50), each flooding --each tokens (default 2000)
 *   --pause MS    new conversation: the time a person spends on the project page first (default 4000)
 *   --no-build    use the dist/bin/octo that is there for the start-up section
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ensureBuilt, ROOT } from "../test/build/built.ts";
import { startOcto } from "./compare/octo.ts";
import { OPENCODE_VERSION, opencodeBinary, startOpencode } from "./compare/opencode.ts";
import {
  type Conversation,
  type Side,
  waitFirstDelta,
  waitIdle,
  waitLog,
  warmConversation,
} from "./compare/side.ts";
import { startupRun } from "./compare/startup.ts";
import { peakRss, treeCpu, treeCpuSince, treeMemory } from "./compare/tree.ts";
import { load } from "./stream/procs.ts";
import { f1, pct, spread } from "./stream/stats.ts";
import { startChild } from "./stream/world.ts";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "5" },
    tokens: { type: "string", default: "10000" },
    floods: { type: "string", default: "10,50" },
    each: { type: "string", default: "2000" },
    only: { type: "string" },
    pause: { type: "string", default: "4000" },
    "no-build": { type: "boolean" },
    "no-readme": { type: "boolean" },
  },
});
const RUNS = Number(values.runs);
const TOKENS = Number(values.tokens);
const FLOODS = (values.floods ?? "").split(",").filter(Boolean).map(Number);
const EACH = Number(values.each);
const only = values.only?.split(",");
const wants = (s: string) => !only || only.includes(s);
const say = (s: string) => console.log(s);
const KEY = "sk-bench-compare-key-0123456789";

/** One row of the table: a metric and each side's figure. */
interface Row {
  metric: string;
  octo: string;
  opencode: string;
  load: string;
}
const rows: Row[] = [];
const row = (metric: string, octo: string, opencode: string, at: string) => {
  rows.push({ metric, octo, opencode, load: at });
  say(`  ${metric}: octo ${octo} | opencode ${opencode}`);
};
const ms = (xs: number[]) => `${spread(xs, (x) => x.toFixed(0))} ms`;
const mb = (x: number) => `${x.toFixed(0)} MB`;
const kps = (x: number) => `${f1(x / 1000)}k`;
const loadNow = () => load().split(" ")[0] as string;
/** Load during a section: "min–max" of the 1-minute average sampled at its runs. */
const loadRange = (xs: string[]) => {
  const n = xs.map(Number);
  const lo = Math.min(...n).toFixed(1);
  const hi = Math.max(...n).toFixed(1);
  return lo === hi ? lo : `${lo}–${hi}`;
};

/** Waits until every one of `text`'s characters arrived, then checks them. */
async function expectText(c: Conversation, from: number, text: string, what: string) {
  await waitLog(c, what, () => c.log.deltas.slice(from).join("").length >= text.length, 600_000);
  const got = c.log.deltas.slice(from).join("");
  if (got !== text)
    throw new Error(`${what}: text differs (${got.length} characters, expected ${text.length})`);
}

async function sectionStartup(llm: { openaiBaseUrl: string; key: string }) {
  if (!values["no-build"]) await ensureBuilt();
  const bin = await opencodeBinary();
  say(`\n## start-up: spawn → first 200, ${RUNS} interleaved runs; load ${load()}`);
  const runs = [];
  const loads: string[] = [];
  for (let r = 0; r < RUNS; r++) {
    loads.push(loadNow());
    runs.push(await startupRun(bin, llm));
    const last = runs.at(-1);
    say(`  run ${r + 1}: ${JSON.stringify(last, (_, v) => (typeof v === "number" ? Math.round(v) : v))}`);
  }
  const at = loadRange(loads);
  row(
    "cold start: spawn → first 200 (empty home)",
    ms(runs.map((r) => r.octoCold)),
    ms(runs.map((r) => r.opencodeCold)),
    at,
  );
  row(
    "restart: spawn → first 200 (same home)",
    ms(runs.map((r) => r.octoRestart)),
    ms(runs.map((r) => r.opencodeRestart)),
    at,
  );
}

async function sectionMemory(sides: Side[]) {
  const K = 10;
  const N = 250;
  say(`\n## memory of the whole tree: ${K} idle conversations, then ${K} streaming; load ${load()}`);
  const out = new Map<string, { before: string; idle: string; active: string; peak: number }>();
  const loads: string[] = [];
  for (const side of sides) {
    loads.push(loadNow());
    const base = treeMemory(side.roots());
    const convs: Conversation[] = [];
    for (let i = 0; i < K; i++) convs.push(await warmConversation(side));
    await Bun.sleep(2000); // let start-up allocations settle before reading memory (a bench, not a test)
    const idle = treeMemory(side.roots());
    const sampler = peakRss(side.roots());
    const froms = convs.map((c) => c.log.deltas.length);
    await Promise.all(convs.map((c, i) => side.prompt(c, `slow ${N} every 40 m${i}`)));
    // Mid-answer: every conversation has streamed a third of its answer.
    await Promise.all(
      convs.map((c, i) =>
        waitLog(c, "a third of the answer", () => c.log.deltas.length - (froms[i] ?? 0) > N / 3),
      ),
    );
    const active = treeMemory(side.roots());
    await Promise.all(
      convs.map((c, i) => expectText(c, froms[i] ?? 0, `m${i} `.repeat(N), `${side.name} m${i}`)),
    );
    const peak = sampler.stop();
    for (const c of convs) await side.remove(c);
    const show = (m: { rss: number; pss: number; processes: number }) =>
      `${mb(m.rss)} / ${mb(m.pss)} (${m.processes} process${m.processes === 1 ? "" : "es"})`;
    out.set(side.name, { before: show(base), idle: show(idle), active: show(active), peak });
    say(
      `  ${side.name}: before ${show(base)}; ${K} idle ${show(idle)}; ${K} active ${show(active)}, peak RSS ${mb(peak)}`,
    );
  }
  const o = out.get("octo");
  const c = out.get("opencode");
  const at = loadRange(loads);
  if (!o || !c) return;
  row("tree RSS / PSS, no conversation (server started, warmed once)", o.before, c.before, at);
  row(`tree RSS / PSS, ${K} idle conversations`, o.idle, c.idle, at);
  row(`tree RSS / PSS, ${K} conversations streaming (25 tok/s each)`, o.active, c.active, at);
}

/** A person opens the project, reads for a moment, clicks "new conversation" and types: → first token. */
async function sectionNewConversation(sides: Side[]) {
  say(`\n## new conversation: create + prompt → first delta, ${RUNS} interleaved; load ${load()}`);
  const firsts = new Map<string, number[]>(sides.map((s) => [s.name, []]));
  const loads: string[] = [];
  for (let r = 0; r < RUNS; r++) {
    loads.push(loadNow());
    for (const side of sides) {
      await side.open();
      await Bun.sleep(Number(values.pause)); // the person reading the page; octo refills its spare agent meanwhile
      const t0 = performance.now();
      const c = await side.create();
      await side.prompt(c, `slow 5 every 1 n${r}`);
      await waitFirstDelta(c, 0, 60_000);
      firsts.get(side.name)?.push(performance.now() - t0);
      await expectText(c, 0, `n${r} `.repeat(5), `${side.name} new conversation ${r}`);
      await waitIdle(c, 1);
      await side.remove(c);
    }
  }
  row(
    "new conversation: create + prompt → first token (warm server)",
    ms(firsts.get("octo") ?? []),
    ms(firsts.get("opencode") ?? []),
    loadRange(loads),
  );
}

async function sectionWarm(sides: Side[]) {
  const K = Math.max(RUNS, 10);
  say(`\n## warm prompt → first delta, ${K} interleaved; load ${load()}`);
  const convs = new Map<string, Conversation>();
  for (const side of sides) convs.set(side.name, await warmConversation(side));
  const firsts = new Map<string, number[]>(sides.map((s) => [s.name, []]));
  const loads: string[] = [];
  for (let r = 0; r < K; r++) {
    loads.push(loadNow());
    for (const side of sides) {
      const c = convs.get(side.name) as Conversation;
      const from = c.log.deltas.length;
      const t0 = performance.now();
      await side.prompt(c, `slow 5 every 1 w${r}`);
      await waitFirstDelta(c, from, 60_000);
      firsts.get(side.name)?.push(performance.now() - t0);
      await expectText(c, from, `w${r} `.repeat(5), `${side.name} warm ${r}`);
      await waitIdle(c, r + 2);
    }
  }
  for (const side of sides) await side.remove(convs.get(side.name) as Conversation);
  row(
    "warm prompt → first token",
    ms(firsts.get("octo") ?? []),
    ms(firsts.get("opencode") ?? []),
    loadRange(loads),
  );
}

async function sectionFlood(sides: Side[]) {
  say(`\n## one ${TOKENS}-token flood × ${RUNS}, interleaved; load ${load()}`);
  const convs = new Map<string, Conversation>();
  for (const side of sides) convs.set(side.name, await warmConversation(side));
  const stats = new Map(
    sides.map((s) => [
      s.name,
      { rate: [] as number[], whole: [] as number[], cpu: [] as number[], bpt: [] as number[] },
    ]),
  );
  const loads: string[] = [];
  for (let r = 0; r < RUNS; r++) {
    loads.push(loadNow());
    for (const side of sides) {
      const c = convs.get(side.name) as Conversation;
      const st = stats.get(side.name) as { rate: number[]; whole: number[]; cpu: number[]; bpt: number[] };
      const from = c.log.deltas.length;
      const bytes0 = c.log.bytes;
      const cpu0 = treeCpu(side.roots());
      const t0 = performance.timeOrigin + performance.now();
      await side.prompt(c, `flood ${TOKENS} f${r}`);
      await waitIdle(c, r + 2, 600_000);
      const cpu = treeCpuSince(side.roots(), cpu0);
      await expectText(c, from, `f${r} `.repeat(TOKENS), `${side.name} flood ${r}`);
      const first = c.log.deltaTimes[from] as number;
      const last = c.log.deltaTimes.at(-1) as number;
      const idle = c.log.times.at(-1) as number;
      st.rate.push((TOKENS / (last - first)) * 1000);
      st.whole.push((TOKENS / (idle - t0)) * 1000);
      st.cpu.push(cpu);
      st.bpt.push((c.log.bytes - bytes0) / TOKENS);
      say(
        `  run ${r + 1} ${side.name}: ${kps(st.rate.at(-1) ?? 0)} tok/s first→last, ${kps(st.whole.at(-1) ?? 0)} prompt→end, tree CPU ${(cpu / 1000).toFixed(2)} s, ${f1(st.bpt.at(-1) ?? 0)} B/token, ${c.log.deltas.length - from} deltas`,
      );
    }
  }
  for (const side of sides) await side.remove(convs.get(side.name) as Conversation);
  const o = stats.get("octo");
  const c = stats.get("opencode");
  if (!o || !c) return;
  const at = loadRange(loads);
  row(
    `one ${TOKENS}-token answer: tokens/s, first → last token`,
    spread(o.rate, kps),
    spread(c.rate, kps),
    at,
  );
  row(
    `one ${TOKENS}-token answer: tokens/s, prompt → turn end`,
    spread(o.whole, kps),
    spread(c.whole, kps),
    at,
  );
  const sec = (x: number) => (x / 1000).toFixed(2);
  row(
    `one ${TOKENS}-token answer: CPU of the whole tree`,
    `${spread(o.cpu, sec)} s`,
    `${spread(c.cpu, sec)} s`,
    at,
  );
  row(
    "bytes to the client per token (during that answer)",
    `${spread(o.bpt, (x) => x.toFixed(0))} B`,
    `${spread(c.bpt, (x) => x.toFixed(0))} B`,
    at,
  );
}

function memAvailableGb(): number {
  const m = readFileSync("/proc/meminfo", "utf8").match(/^MemAvailable:\s+(\d+) kB/m);
  return m ? Number(m[1]) / 1048576 : 0;
}

type ConcurrentFigures = { tput: string; p50: string; p99: string; peak: string; load: string };

async function concurrentOn(side: Side, n: number, stampsUrl: string, out: Map<string, ConcurrentFigures>) {
  // Long enough to outlast the floods; the rest of it is not waited for.
  const BYS = 4000;
  const need = side.memoryGb(n);
  if (memAvailableGb() < need) {
    say(`  ${side.name}: skipped, ${memAvailableGb().toFixed(1)} GB available (< ${need.toFixed(1)} GB)`);
    return;
  }
  const bys = await warmConversation(side);
  const floods: Conversation[] = [];
  for (let i = 0; i < n; i++) floods.push(await warmConversation(side));
  const at = loadNow();
  say(`  ${side.name}: ${n + 1} conversations ready; load ${load()}`);
  const sampler = peakRss(side.roots());
  const tag = `b${side.name}${n}`;
  const bysFrom = bys.log.deltas.length;
  await side.prompt(bys, `stamp ${BYS} every 40 ${tag}`);
  await waitLog(bys, "ten bystander deltas", () => bys.log.deltas.length > bysFrom + 10);
  const froms = floods.map((f) => f.log.deltas.length);
  const start = performance.timeOrigin + performance.now();
  await Promise.all(floods.map((f, i) => side.prompt(f, `flood ${EACH} s${i}`)));
  await Promise.all(floods.map((f) => waitIdle(f, 2, 600_000)));
  const end = performance.timeOrigin + performance.now();
  const peak = sampler.stop();
  for (const [i, f] of floods.entries())
    await expectText(f, froms[i] ?? 0, `s${i} `.repeat(EACH), `${side.name} s${i}`);
  // Every bystander token the LLM released before the floods ended, and when the client had it.
  const stamps = (await (await fetch(`${stampsUrl}/${tag}`)).json()) as number[];
  const released = stamps.filter((t) => t <= end).length;
  if (released >= BYS) say(`  ${side.name}: the bystander ended before the floods did`);
  await waitLog(
    bys,
    "the bystander's tokens",
    () => bys.log.deltas.slice(bysFrom).join("").split(" ").length > released,
  );
  const added: number[] = [];
  let expected = 0;
  for (let d = bysFrom; d < bys.log.deltas.length; d++) {
    for (const token of (bys.log.deltas[d] as string).split(" ").filter(Boolean)) {
      if (token !== `${tag}_${expected}`)
        throw new Error(`${side.name} bystander: got ${token}, expected ${tag}_${expected}`);
      const t = stamps[expected] as number;
      if (t >= start && t <= end) added.push((bys.log.deltaTimes[d] as number) - t);
      expected++;
    }
  }
  const tput = (n * EACH) / ((end - start) / 1000);
  out.set(side.name, {
    tput: `${kps(tput)} tok/s (${((end - start) / 1000).toFixed(1)} s)`,
    p50: `${pct(added, 50).toFixed(1)} ms`,
    p99: `${pct(added, 99).toFixed(1)} ms (n=${added.length})`,
    peak: mb(peak),
    load: at,
  });
  say(
    `  ${side.name}: ${kps(tput)} tok/s in total over ${((end - start) / 1000).toFixed(1)} s, all ${n} answers whole; bystander LLM → client p50 ${pct(added, 50).toFixed(1)} ms p99 ${pct(added, 99).toFixed(1)} ms (n=${added.length}); tree peak RSS ${mb(peak)}; load ${load()}`,
  );
  // The bystander is still streaming: deleting stops it (octo stops its pi, opencode aborts).
  for (const c of [bys, ...floods]) await side.remove(c);
}

async function sectionConcurrent(sides: Side[], n: number, stampsUrl: string) {
  say(`\n## ${n} concurrent ${EACH}-token floods + a bystander at 25 tok/s; load ${load()}`);
  const out = new Map<string, ConcurrentFigures>();
  for (const side of sides) {
    try {
      await concurrentOn(side, n, stampsUrl, out);
    } catch (error) {
      say(`  ${side.name} FAILED: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const o = out.get("octo");
  const c = out.get("opencode");
  const at = loadRange([o?.load ?? loadNow(), c?.load ?? loadNow()]);
  const get = (x: typeof o, k: "tput" | "p50" | "p99" | "peak") => x?.[k] ?? "skipped";
  row(`${n} concurrent floods: total throughput`, get(o, "tput"), get(c, "tput"), at);
  row(`${n} concurrent floods: bystander LLM → client p50`, get(o, "p50"), get(c, "p50"), at);
  row(`${n} concurrent floods: bystander LLM → client p99`, get(o, "p99"), get(c, "p99"), at);
  row(`${n} concurrent floods: peak RSS of the tree`, get(o, "peak"), get(c, "peak"), at);
}

const BEGIN = "<!-- bench/compare.ts: begin (generated; re-running replaces it) -->";
const END = "<!-- bench/compare.ts: end -->";

/** Replaces the table between the markers; rows of sections not run this time stay. */
function writeReadme(stamp: string) {
  const file = join(ROOT, "bench", "README.md");
  const text = readFileSync(file, "utf8");
  const a = text.indexOf(BEGIN);
  const b = text.indexOf(END);
  if (a < 0 || b < a) {
    say(`bench/README.md has no ${BEGIN} … ${END} markers: table not written`);
    return;
  }
  const cells = (line: string) =>
    line
      .split("|")
      .slice(1, -1)
      .map((c) => c.trim());
  const kept = new Map<string, string[]>();
  for (const line of text.slice(a + BEGIN.length, b).split("\n")) {
    const c = cells(line);
    if (c.length === 5 && c[0] !== "metric" && !/^-+$/.test(c[0] as string)) kept.set(c[0] as string, c);
  }
  for (const r of rows) kept.set(r.metric, [r.metric, r.octo, r.opencode, r.load, stamp]);
  const table = [["metric", "octo", `opencode ${OPENCODE_VERSION}`, "load", "run"], ...kept.values()];
  const widths = table[0]?.map((_, i) => Math.max(3, ...table.map((r) => (r[i] ?? "").length))) ?? [];
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i] ?? 0)).join(" | ")} |`;
  const body = [
    line(table[0] as string[]),
    line(widths.map((w) => "-".repeat(w))),
    ...table.slice(1).map(line),
  ];
  writeFileSync(file, `${text.slice(0, a + BEGIN.length)}\n${body.join("\n")}\n${text.slice(b)}`);
  // The repository's formatter owns Markdown too: keep `bun run check` clean after a run.
  Bun.spawnSync([join(ROOT, "node_modules", ".bin", "biome"), "format", "--write", file], { cwd: ROOT });
  say(`  (table in bench/README.md: ${rows.length} rows from this run)`);
}

say(`# bench/compare — ${new Date().toISOString()}, bun ${Bun.version}, load ${load()}`);
const llm = await startChild<{ openaiBaseUrl: string; stampsUrl: string }>(
  join(import.meta.dir, "compare", "llm.ts"),
  {
    BENCH_LLM_KEY: KEY,
  },
);
const provider = { openaiBaseUrl: llm.info.openaiBaseUrl, key: KEY };
const sides: Side[] = [];
/**
 * Runs a section, then rewrites the table, so a run cut short still leaves what it measured; a
 * section that fails (a timeout under heavy load) is reported and the next one runs.
 */
async function section(name: string, run: () => Promise<void>) {
  if (!wants(name)) return;
  try {
    await run();
  } catch (error) {
    say(`  section ${name} FAILED: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!values["no-readme"] && rows.length > 0) writeReadme(new Date().toISOString().slice(0, 10));
}
try {
  await section("startup", () => sectionStartup(provider));
  if (["memory", "newconv", "warm", "flood", "concurrent"].some(wants)) {
    sides.push(await startOcto(provider));
    sides.push(await startOpencode(provider));
    // Both servers answer one conversation before anything is measured (first-use loading).
    for (const side of sides) await side.remove(await warmConversation(side));
    const cmd = (pid: number) =>
      readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").slice(0, 3).join(" ");
    for (const side of sides)
      say(
        `${side.name}: ${side
          .roots()
          .map((p) => `${p} ${cmd(p)}`)
          .join("; ")}`,
      );
  }
  await section("memory", () => sectionMemory(sides));
  await section("newconv", () => sectionNewConversation(sides));
  await section("warm", () => sectionWarm(sides));
  await section("flood", () => sectionFlood(sides));
  for (const n of FLOODS) await section("concurrent", () => sectionConcurrent(sides, n, llm.info.stampsUrl));
} finally {
  for (const side of sides) await side.stop();
  llm.proc.kill("SIGTERM");
  await llm.proc.exited;
}
say(`\ndone; load ${load()}`);

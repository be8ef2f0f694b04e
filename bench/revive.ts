/**
 * Reaped conversations (issue 13, decision 0036), measured on the real path of bench/stream.ts
 * (client ⇄ server ⇄ runner ⇄ bwrap ⇄ pi ⇄ LLM proxy ⇄ scripted LLM; run by hand, prints numbers):
 *
 *   BENCH_WARM_AGENTS=0|1 bun bench/revive.ts [--runs N] [--count N] [--only latency,memory]
 *
 * latency: per conversation, a warm prompt → first delta, then the agent is reaped (idle_timeout
 *   3 s here), the project is opened (the pool refills) and after 4 s — a person reading the page —
 *   a prompt → first delta again: the revive. With warm_agents 1 a revive goes through the spare.
 * memory (`--only memory`: idle_timeout 40 s): `--count` conversations (default 10) answered once
 *   with their agents up ("active"), then all reaped ("idle"): RSS and PSS of the whole tree — server (and its LLM gateway), runner, every
 *   sandbox and agent — from /proc (PSS splits shared pages, so it sums right; RSS overcounts).
 */
import { Database } from "bun:sqlite";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { childrenMap, descendants, processMemory, treeMemory } from "../src/shared/proctree.ts";
import type { BenchSocket } from "./stream/client.ts";
import { load } from "./stream/procs.ts";
import { f1, spread } from "./stream/stats.ts";
import { startWorld, type World } from "./stream/world.ts";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "8" },
    count: { type: "string", default: "10" },
    only: { type: "string" },
  },
});
const RUNS = Number(values.runs);
const COUNT = Number(values.count);
const only = values.only?.split(",");
const wants = (s: string) => !only || only.includes(s);
const say = (s: string) => console.log(s);
const WARM = Number(process.env.BENCH_WARM_AGENTS ?? 0);
// Latency: reaped 3 s after an answer. Memory: long enough for ten conversations to be up at once.
process.env.BENCH_IDLE_TIMEOUT ??= wants("latency") ? "3s" : "40s";

let clientSeq = 0;
const prompt = (tab: BenchSocket, session_id: string) =>
  tab.ok("prompt", { session_id, message: "hello", client_id: `revive-${++clientSeq}` });

/** Prompts answered (`prompt` accepted by pi) before their first delta: ms from the prompt. */
const accepted: number[] = [];

/** Prompt → first delta of this prompt (the `n`-th answer of the session), in ms. */
async function firstDelta(tab: BenchSocket, session_id: string, n: number): Promise<number> {
  const log = tab.log(session_id);
  const before = log.deltaTimes.length;
  const t0 = performance.now();
  await prompt(tab, session_id);
  accepted.push(performance.now() - t0);
  await tab.waitFor(session_id, "first delta", () => log.deltaTimes.length > before, 120_000);
  const ms = performance.now() - t0;
  await tab.waitIdle(session_id, n);
  return ms;
}

const reaped = (tab: BenchSocket, session_id: string, n: number) => {
  const log = tab.log(session_id);
  return tab.waitFor(
    session_id,
    "agent.stopped",
    () => log.events.filter((e) => e === "agent.stopped").length >= n,
    600_000,
  );
};

async function newConversation(w: World): Promise<{ tab: BenchSocket; session_id: string }> {
  const tab = await w.socket();
  const { session_id } = await tab.ok<{ session_id: string }>("session.create", { project_id: w.projectId });
  await tab.ok("session.subscribe", { session_id, after_seq: 0 });
  return { tab, session_id };
}

async function sectionLatency(w: World, db: Database) {
  say(
    `\n## revive: reaped conversation's prompt → first delta, warm_agents=${WARM}, ${RUNS} runs; load ${load()}`,
  );
  const first: number[] = [];
  const warm: number[] = [];
  const revive: number[] = [];
  const reviveAccepted: number[] = [];
  let throughSpare = 0;
  const spareProcs = () =>
    db
      .query<{ proc_id: string }, []>(
        "SELECT proc_id FROM sessions WHERE status = 'spare' AND proc_id IS NOT NULL",
      )
      .all()
      .map((r) => r.proc_id);
  for (let i = 0; i < RUNS; i++) {
    const { tab, session_id } = await newConversation(w);
    first.push(await firstDelta(tab, session_id, 1)); // a pi's first prompt: its lazy initialisation
    warm.push(await firstDelta(tab, session_id, 2));
    await reaped(tab, session_id, 1);
    const listed = await fetch(`${w.url}/api/projects/${w.projectId}/sessions`, {
      headers: { cookie: `octo_session=${w.cookie}` },
    });
    if (listed.status !== 200) throw new Error(`session list: ${listed.status}`);
    await Bun.sleep(4000); // let the pool's refill finish, as a person reading the page would
    const spares = spareProcs();
    revive.push(await firstDelta(tab, session_id, 3));
    reviveAccepted.push(accepted.at(-1) as number);
    if (spares.includes(w.procOf(session_id))) throughSpare++;
    await tab.ok("session.delete", { session_id });
    await tab.close();
  }
  say(`a new conversation's first prompt → first delta (pi's first prompt): ${spread(first)} ms`);
  say(`warm prompt → first delta: ${spread(warm)} ms`);
  say(`reaped → prompt → first delta: ${spread(revive)} ms (${throughSpare}/${RUNS} through a spare)`);
  say(`  of which prompt → its response (agent revived, pi took the prompt): ${spread(reviveAccepted)} ms`);
  // The server's own account of each revive through a spare (src/sessions/revive.ts logs it).
  const phases = {
    ms: [] as number[],
    wait_ms: [] as number[],
    release_ms: [] as number[],
    adopt_ms: [] as number[],
  };
  const logFile = join(w.home, "server.log");
  for (const line of existsSync(logFile) ? readFileSync(logFile, "utf8").split("\n") : []) {
    if (!line.includes("agent revived through a warm spare")) continue;
    const e = JSON.parse(line) as Record<string, number>;
    for (const k of Object.keys(phases) as (keyof typeof phases)[])
      if (typeof e[k] === "number") phases[k].push(e[k]);
  }
  if (phases.ms.length > 0)
    say(
      `  server side of a revive through a spare: total ${spread(phases.ms)} ms = waiting for a starting spare ${spread(phases.wait_ms)} + letting go of it ${spread(phases.release_ms)} + runner adopt (files, pi switch_session, state) ${spread(phases.adopt_ms)}`,
    );
  say(`load after: ${load()}`);
}

/** What a process of the trees is: the program, except for octo's own and pi's (run by bun or sh). */
function classify(program: string, cmd: string): string {
  if (program === "bwrap") return "bwrap";
  if (cmd.includes("sandbox/main.ts") || program === "octo-sandbox") return "octo-sandbox";
  if (cmd.includes("pi-coding-agent")) return program === "sh" ? "sh (pi's boot)" : "pi";
  if (/ llm-gateway( |$)/.test(cmd)) return "llm-gateway";
  return program;
}

/** RSS / PSS (MB) of the two trees by program (pi, bwrap, socat, the sandbox wrapper, bun, …). */
function breakdown(w: World): string {
  const children = childrenMap();
  const by = new Map<string, { n: number; rss: number; pss: number }>();
  for (const root of [w.serverPid, w.runnerPid()])
    for (const pid of [root, ...descendants(root, children)]) {
      let cmd = "";
      try {
        cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
      } catch {
        continue;
      }
      const program = (cmd.split(" ")[0] ?? "?").split("/").at(-1) ?? "?";
      const kind = pid === w.serverPid ? "server" : pid === w.runnerPid() ? "runner" : classify(program, cmd);
      const m = processMemory(pid);
      const e = by.get(kind) ?? { n: 0, rss: 0, pss: 0 };
      e.n++;
      e.rss += m.rss / 1048576;
      e.pss += m.pss / 1048576;
      by.set(kind, e);
    }
  return [...by]
    .sort((a, b) => b[1].rss - a[1].rss)
    .map(([k, e]) => `${k}×${e.n} ${f1(e.rss)}/${f1(e.pss)}`)
    .join(", ");
}

/** RSS and PSS (MB) of the server's and the runner's whole process trees. */
function treeMb(w: World): { rss: number; pss: number } {
  const children = childrenMap();
  const server = treeMemory(w.serverPid, children);
  const runner = treeMemory(w.runnerPid(), children);
  return { rss: (server.rss + runner.rss) / 1048576, pss: (server.pss + runner.pss) / 1048576 };
}

async function sectionMemory(w: World, db: Database) {
  const live = () =>
    db
      .query<{ n: number }, []>(
        "SELECT COUNT(*) AS n FROM sessions WHERE status = 'ready' AND proc_id IS NOT NULL",
      )
      .get()?.n ?? 0;
  say(`\n## memory of the whole tree with ${COUNT} conversations, warm_agents=${WARM}; load ${load()}`);
  const base = treeMb(w);
  say(`no conversation: RSS ${f1(base.rss)} MB, PSS ${f1(base.pss)} MB`);
  say(`  by program (RSS/PSS MB): ${breakdown(w)}`);
  const open: { tab: BenchSocket; session_id: string }[] = [];
  for (let i = 0; i < COUNT; i++) {
    const c = await newConversation(w);
    await firstDelta(c.tab, c.session_id, 1);
    open.push(c);
  }
  await Bun.sleep(1000); // let the last answer's allocations settle
  const active = treeMb(w);
  say(
    `${COUNT} active (each answered once; ${live()} agents up): RSS ${f1(active.rss)} MB, PSS ${f1(active.pss)} MB`,
  );
  say(`  by program (RSS/PSS MB): ${breakdown(w)}`);
  await Promise.all(open.map((c) => reaped(c.tab, c.session_id, 1)));
  await Bun.sleep(2000); // let the reaped processes' memory go back
  const idle = treeMb(w);
  say(`${COUNT} idle (all reaped): RSS ${f1(idle.rss)} MB, PSS ${f1(idle.pss)} MB`);
  say(`  by program (RSS/PSS MB): ${breakdown(w)}`);
  for (const c of open) {
    await c.tab.ok("session.delete", { session_id: c.session_id });
    await c.tab.close();
  }
}

const w = await startWorld();
const db = new Database(w.dbPath, { readonly: true });
try {
  say(`# bench/revive.ts — idle_timeout ${process.env.BENCH_IDLE_TIMEOUT}, warm_agents ${WARM}`);
  if (wants("latency")) await sectionLatency(w, db);
  if (wants("memory")) await sectionMemory(w, db);
} finally {
  db.close();
  await w.stop();
}

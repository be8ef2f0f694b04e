/**
 * The agent streaming path, measured for real (run by hand: `bun bench/stream.ts`; prints numbers,
 * asserts nothing but the correctness checks it needs to trust them):
 *
 *   browser-like WebSocket client ⇄ octo server ⇄ octo-runner ⇄ octo-sandbox (bwrap) ⇄ pi
 *   ⇄ octo's LLM proxy ⇄ the scripted LLM fixture
 *
 * The fixture and the server run as child processes (bench/stream/world.ts); the runner records,
 * with OCTO_TRACE_FILE, when each pi stdout chunk arrived (runner/trace.ts), so the added latency
 * pi stdout → runner → server → WebSocket client is measured per text delta.
 *
 *   --runs N        repetitions where medians make sense (default 5)
 *   --tokens N      the flood size for throughput (default 10000)
 *   --sessions N    concurrent flooding sessions (default 50), each flooding --each tokens (default 2000)
 *   --only a,b      sections: pi, flood, slow, start, newconv, reconnect, concurrent
 */
import { parseArgs } from "node:util";
import type { BenchSocket, SessionLog } from "./stream/client.ts";
import { piAlone } from "./stream/pi-alone.ts";
import {
  countSyscalls,
  cpuMs,
  cpuMsPrecise,
  descendants,
  load,
  peakRssMb,
  privateMb,
  rssMb,
  runQueueMs,
  writeCalls,
} from "./stream/procs.ts";
import { f1, f2, latency, median, pct, spread } from "./stream/stats.ts";
import { LLM_KEY, startWorld, type World } from "./stream/world.ts";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "5" },
    tokens: { type: "string", default: "10000" },
    sessions: { type: "string", default: "50" },
    each: { type: "string", default: "2000" },
    only: { type: "string" },
  },
});
const RUNS = Number(values.runs);
const TOKENS = Number(values.tokens);
const SESSIONS = Number(values.sessions);
const EACH = Number(values.each);
const only = values.only?.split(",");
const wants = (s: string) => !only || only.includes(s);
const say = (s: string) => console.log(s);

let clientSeq = 0;
const prompt = (tab: BenchSocket, session_id: string, message: string) =>
  tab.ok("prompt", { session_id, message, client_id: `bench-${++clientSeq}` });

/** A session with its own socket, subscribed from seq 0, its agent ready, and `warm` prompts done. */
async function openSession(w: World, warm = 1) {
  const tab = await w.socket();
  const t0 = performance.now();
  const { session_id } = await tab.ok<{ session_id: string }>("session.create", { project_id: w.projectId });
  const created = performance.now() - t0;
  await tab.ok("session.subscribe", { session_id, after_seq: 0 });
  const log = tab.log(session_id);
  await tab.waitFor(session_id, "session.state", () => log.find("session.state") >= 0, 300_000);
  const ready = performance.now() - t0;
  for (let i = 1; i <= warm; i++) {
    await prompt(tab, session_id, "hello");
    await tab.waitIdle(session_id, i);
  }
  return { tab, session_id, log, created, ready };
}

/** Added latency of deltas [from, to) of a session: runner arrival → WebSocket client. */
async function deltaLatencies(
  w: World,
  session: { session_id: string; log: SessionLog },
  from: number,
  to: number,
) {
  const trace = await w.deltaTrace(w.procOf(session.session_id), to);
  const total: number[] = [];
  const runner: number[] = [];
  const arrived: number[] = [];
  for (let i = from; i < to; i++) {
    const p = trace[i];
    const c = session.log.deltaTimes[i];
    if (!p || c === undefined)
      throw new Error(`delta ${i} missing (trace ${trace.length}, client ${session.log.deltaTimes.length})`);
    total.push(c - p.arrived);
    runner.push(p.numbered - p.arrived);
    arrived.push(p.arrived);
  }
  return { total, runner, arrived };
}

/** CPU of a process that may have exited meanwhile (0 then). */
const safeCpuMs = (pid: number): number => {
  try {
    return cpuMsPrecise(pid);
  } catch {
    return 0;
  }
};

async function sectionPi(w: World) {
  say(
    `\n## pi alone (bun, sessions on, straight to the fixture), ${TOKENS}-token flood × ${RUNS}; load ${load()}`,
  );
  const runs = await piAlone({ baseUrl: w.llmBaseUrl, apiKey: LLM_KEY, tokens: TOKENS, runs: RUNS });
  const rates = runs.map((r) => (r.deltas / r.streamMs) * 1000);
  const whole = runs.map((r) => (r.deltas / r.totalMs) * 1000);
  say(`deltas/s first→last delta: ${spread(rates, (x) => `${f1(x / 1000)}k`)}`);
  say(`deltas/s prompt→agent_end: ${spread(whole, (x) => `${f1(x / 1000)}k`)}`);
  say(
    `prompt → first delta: ${spread(runs.map((r) => r.firstMs))} ms; stdout ${f1(median(runs.map((r) => r.stdoutBytes)) / 1e6)} MB`,
  );
  return median(rates);
}

async function sectionFlood(w: World, piRate: number | undefined) {
  say(`\n## full path, ${TOKENS}-token flood × ${RUNS} in one session; load ${load()}`);
  const s = await openSession(w);
  const rates: number[] = [];
  const whole: number[] = [];
  const firsts: number[] = [];
  const perToken: number[] = [];
  const p50s: number[] = [];
  const p99s: number[] = [];
  const runnerP50s: number[] = [];
  const serverCpu: number[] = [];
  const runnerCpu: number[] = [];
  const serverWrites: number[] = [];
  const runnerWrites: number[] = [];
  const runnerPid = w.runnerPid();
  // The rest of the tree that works for the answer: pi (with its sandbox's bwrap and relays) and the gateway.
  const others = [...descendants(runnerPid).map((p) => p.pid), w.gatewayPid()];
  const othersCpu = () => others.reduce((sum, pid) => sum + safeCpuMs(pid), 0);
  const restCpu: number[] = [];
  const perCommit: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const from = s.log.deltaTimes.length;
    const bytes0 = s.log.bytes;
    const frames0 = s.log.events.length;
    const sc0 = cpuMsPrecise(w.serverPid);
    const rc0 = cpuMsPrecise(runnerPid);
    const oc0 = othersCpu();
    const h0 = await w.historyTotals();
    const sw0 = writeCalls(w.serverPid);
    const rw0 = writeCalls(runnerPid);
    const strace = process.env.BENCH_STRACE
      ? await countSyscalls(w.serverPid, ["pwrite64", "fdatasync", "sendto", "write", "writev"])
      : null;
    const straceRunner = process.env.BENCH_STRACE
      ? await countSyscalls(runnerPid, ["write", "writev", "sendto", "read", "recvfrom"])
      : null;
    const t0 = performance.timeOrigin + performance.now();
    await prompt(s.tab, s.session_id, `flood ${TOKENS}`);
    await s.tab.waitIdle(s.session_id, r + 2, 300_000);
    if (strace) say(`  run ${r + 1}: server syscalls (strace -c): ${JSON.stringify(await strace())}`);
    if (straceRunner)
      say(`  run ${r + 1}: runner syscalls (strace -c): ${JSON.stringify(await straceRunner())}`);
    serverCpu.push(cpuMsPrecise(w.serverPid) - sc0);
    runnerCpu.push(cpuMsPrecise(runnerPid) - rc0);
    restCpu.push(othersCpu() - oc0);
    const h1 = await w.historyTotals();
    perCommit.push((h1.events - h0.events) / Math.max(1, h1.commits - h0.commits));
    serverWrites.push(writeCalls(w.serverPid) - sw0);
    runnerWrites.push(writeCalls(runnerPid) - rw0);
    const to = s.log.deltaTimes.length;
    if (to - from !== TOKENS) throw new Error(`run ${r}: ${to - from} deltas, expected ${TOKENS}`);
    if (s.log.deltas.slice(from).join("") !== "tok ".repeat(TOKENS))
      throw new Error(`run ${r}: text differs`);
    const first = s.log.deltaTimes[from] as number;
    const last = s.log.deltaTimes[to - 1] as number;
    const idle = s.log.times.at(-1) as number;
    rates.push((TOKENS / (last - first)) * 1000);
    whole.push((TOKENS / (idle - t0)) * 1000);
    firsts.push(first - t0);
    perToken.push((s.log.bytes - bytes0) / TOKENS);
    const lat = await deltaLatencies(w, s, from, to);
    p50s.push(pct(lat.total, 50));
    p99s.push(pct(lat.total, 99));
    runnerP50s.push(pct(lat.runner, 50));
    say(
      `  run ${r + 1}: ${f1((rates.at(-1) ?? 0) / 1000)}k deltas/s, ${s.log.events.length - frames0} frames, ${f1(perToken.at(-1) ?? 0)} B/token, added latency ${latency(lat.total)}`,
    );
  }
  say(`deltas/s at the client, first→last delta: ${spread(rates, (x) => `${f1(x / 1000)}k`)}`);
  if (piRate)
    say(`  = ${f1((median(rates) / piRate) * 100)}% of pi alone (${f1(piRate / 1000)}k/s) (target ≥ 80%)`);
  say(`deltas/s prompt sent → agent.idle received: ${spread(whole, (x) => `${f1(x / 1000)}k`)}`);
  say(`prompt → first delta at the client: ${spread(firsts)} ms`);
  say(
    `bytes on the wire per token (all frames of the answer, with WS framing): ${spread(perToken)} (target ≤ 150)`,
  );
  say(
    `added latency during a flood (queueing included): p50 ${spread(p50s, f2)} ms, p99 ${spread(p99s, f2)} ms`,
  );
  say(
    `  of which pi stdout chunk → runner event (translation + wait behind the chunk), p50 ${spread(runnerP50s, f2)} ms`,
  );
  say(`CPU per flood: server ${spread(serverCpu)} ms, runner ${spread(runnerCpu)} ms`);
  say(`  history events per commit: ${spread(perCommit, f1)}`);
  const tree = serverCpu.map((s, i) => s + (runnerCpu[i] ?? 0) + (restCpu[i] ?? 0));
  say(
    `  pi, its sandbox and the LLM gateway ${spread(restCpu)} ms; whole tree ${spread(tree)} ms (target ≤ 1,200)`,
  );
  // syscw counts write-family calls through the VFS (write, writev, pwrite64), not send/sendto:
  // the server's WebSocket frames go out by sendto and are not in it (BENCH_STRACE=1 counts those).
  say(
    `write syscalls per flood (/proc io syscw: write, writev, pwrite64; not sendto): server ${spread(serverWrites)}, runner ${spread(runnerWrites)}`,
  );
  say(
    `runner RSS after the floods ${f1(rssMb(runnerPid))} MB, peak ${f1(peakRssMb(runnerPid))} MB (${process.env.BENCH_RUNNER_JIT ?? "as octo starts it"})`,
  );
  await s.tab.close();
}

async function sectionSlow(w: World) {
  const N = 250;
  const slowRuns = Math.max(1, Math.min(RUNS, 3));
  say(`\n## one stream at 25 tokens/s (${N} tokens, 40 ms apart) × ${slowRuns}; load ${load()}`);
  const s = await openSession(w);
  const runnerPid = w.runnerPid();
  const all: number[] = [];
  const runnerPart: number[] = [];
  const serverCpu: number[] = [];
  const serverCpuFine: number[] = [];
  const runnerCpu: number[] = [];
  for (let r = 0; r < slowRuns; r++) {
    const from = s.log.deltaTimes.length;
    const c0 = cpuMs(w.serverPid);
    const f0 = cpuMsPrecise(w.serverPid);
    const rc0 = cpuMsPrecise(runnerPid);
    const t0 = performance.now();
    await prompt(s.tab, s.session_id, `slow ${N} every 40`);
    await s.tab.waitIdle(s.session_id, r + 2, 120_000);
    const wall = performance.now() - t0;
    serverCpu.push(((cpuMs(w.serverPid) - c0) / wall) * 100);
    serverCpuFine.push(((cpuMsPrecise(w.serverPid) - f0) / wall) * 100);
    runnerCpu.push(((cpuMsPrecise(runnerPid) - rc0) / wall) * 100);
    const to = s.log.deltaTimes.length;
    if (to - from !== N) throw new Error(`slow run ${r}: ${to - from} deltas`);
    const lat = await deltaLatencies(w, s, from, to);
    all.push(...lat.total);
    runnerPart.push(...lat.runner);
    say(
      `  run ${r + 1}: added latency ${latency(lat.total)}; server CPU ${f2(serverCpuFine.at(-1) ?? 0)}% of a core`,
    );
  }
  say(`added latency pi stdout → WebSocket client: ${latency(all)} (targets p50 ≤ 2, p99 ≤ 10)`);
  say(`  of which pi stdout chunk → runner event: ${latency(runnerPart)}`);
  say(
    `server CPU for one 25 tok/s stream: ${spread(serverCpuFine, f2)}% of a core (/proc stat ticks: ${spread(serverCpu, f2)}%) (target ≤ 5%); runner ${spread(runnerCpu, f2)}%`,
  );
  await s.tab.close();
}

/**
 * What a person sees: open the project (its session list, which is also what fills the warm pool),
 * then "new conversation" and a first message: create + prompt → first delta at the client.
 * With BENCH_WARM_AGENTS=1 the create takes a spare agent; with 0 it starts pi cold.
 */
async function sectionNewConversation(w: World) {
  const K = Math.max(RUNS, 10);
  say(
    `\n## new conversation: create + prompt → first delta, ${K} conversations, warm_agents=${process.env.BENCH_WARM_AGENTS ?? 0}; load ${load()}`,
  );
  const firsts: number[] = [];
  const warmFirsts: number[] = [];
  for (let i = 0; i < K; i++) {
    const listed = await fetch(`${w.url}/api/projects/${w.projectId}/sessions`, {
      headers: { cookie: `octo_session=${w.cookie}` },
    });
    if (listed.status !== 200) throw new Error(`session list: ${listed.status}`);
    await Bun.sleep(4000); // let the pool's refill finish, as a person reading the page would
    const tab = await w.socket();
    const t0 = performance.now();
    const { session_id } = await tab.ok<{ session_id: string }>("session.create", {
      project_id: w.projectId,
    });
    await tab.ok("session.subscribe", { session_id, after_seq: 0 });
    const log = tab.log(session_id);
    await prompt(tab, session_id, "hello");
    await tab.waitFor(session_id, "first delta", () => log.find("stream.text_delta") >= 0, 60_000);
    firsts.push(performance.now() - t0);
    await tab.waitIdle(session_id, 1);
    // The same conversation's next prompt: what "over a warm prompt's" is measured against.
    const t1 = performance.now();
    const before = log.deltaTimes.length;
    await prompt(tab, session_id, "hello again");
    await tab.waitFor(session_id, "second delta", () => log.deltaTimes.length > before, 60_000);
    warmFirsts.push(performance.now() - t1);
    await tab.waitIdle(session_id, 2);
    await tab.ok("session.delete", { session_id });
    await tab.close();
  }
  say(`create + prompt → first delta: ${spread(firsts)} ms (target ≤ 50 over a warm prompt's)`);
  say(`the same conversation's next prompt → first delta (a warm prompt): ${spread(warmFirsts)} ms`);
}

async function sectionStart(w: World) {
  const K = Math.max(RUNS, 10);
  say(
    `\n## session start (create → first session.state) and memory per idle session, ${K} sessions; load ${load()}`,
  );
  const runnerPid = w.runnerPid();
  const rss0 = rssMb(w.serverPid) + rssMb(runnerPid);
  const server0 = rssMb(w.serverPid);
  const runner0 = rssMb(runnerPid);
  const opened = [];
  for (let i = 0; i < K; i++) opened.push(await openSession(w, 0));
  say(`create → response: ${spread(opened.map((s) => s.created))} ms`);
  say(`create → session.state (ready): ${spread(opened.map((s) => s.ready))} ms (target p50 ≤ 500)`);
  await Bun.sleep(3000); // let allocations settle before reading RSS
  const grow = (rssMb(w.serverPid) + rssMb(runnerPid) - rss0) / K;
  say(
    `server+runner RSS growth per idle session: ${f2(grow)} MB (server ${f1(server0)}→${f1(rssMb(w.serverPid))} MB, runner ${f1(runner0)}→${f1(rssMb(runnerPid))} MB) (target ≤ 15)`,
  );
  const kids = descendants(runnerPid).map((p) => ({ ...p, rss: rssMb(p.pid), own: privateMb(p.pid) }));
  // bwrap's own argv names pi's cli.js too: classify by the program, not by what it runs.
  const kind = (cmd: string) => {
    const program = cmd.split(" ")[0] ?? "?";
    if (program.endsWith("/bwrap")) return "bwrap";
    if (cmd.includes("cli.js")) return "pi";
    if (cmd.includes("sandbox/main.ts") || program.endsWith("octo-sandbox")) return "octo-sandbox";
    return program;
  };
  const by = new Map<string, { rss: number[]; own: number[] }>();
  for (const k of kids) {
    const e = by.get(kind(k.cmd)) ?? { rss: [], own: [] };
    e.rss.push(k.rss);
    e.own.push(k.own);
    by.set(kind(k.cmd), e);
  }
  for (const [name, e] of by)
    say(
      `  per-session process ${name}: ${f1(median(e.rss))} MB RSS, ${f1(median(e.own))} MB private (n=${e.rss.length})`,
    );
  for (const s of opened) {
    await s.tab.ok("session.delete", { session_id: s.session_id });
    await s.tab.close();
  }
}

async function sectionReconnect(w: World) {
  say(
    `\n## reconnect: fresh socket, subscribe after_seq=0, until the last seq (5,000 events) × ${RUNS}; load ${load()}`,
  );
  const s = await openSession(w, 0);
  await prompt(s.tab, s.session_id, `flood ${5000 - 10 - s.log.lastSeq}`);
  await s.tab.waitIdle(s.session_id, 1, 120_000);
  const last = s.log.lastSeq;
  say(`session has ${last} events`);
  await s.tab.close(); // the dropped socket
  const times: number[] = [];
  const replay: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now();
    const tab = await w.socket();
    const t1 = performance.now();
    await tab.ok("session.subscribe", { session_id: s.session_id, after_seq: 0 });
    const log = tab.log(s.session_id);
    await tab.waitFor(s.session_id, "last seq", () => log.lastSeq >= last);
    const t2 = performance.now();
    if (log.seqs.length !== last || log.seqs.some((q, i) => q !== i + 1)) throw new Error("replay has gaps");
    times.push(t2 - t0);
    replay.push(t2 - t1);
    await tab.close();
  }
  say(`connect + replay to the last seq: ${spread(times)} ms (replay alone ${spread(replay)} ms)`);
  say(`  = ${f1(((last / median(replay)) * 1000) / 1000)}k events/s`);
}

async function sectionConcurrent(w: World) {
  const BYS = 400;
  say(`\n## ${SESSIONS} sessions flooding ${EACH} tokens each + a bystander at 25 tok/s; load ${load()}`);
  const bys = await openSession(w);
  const floods = [];
  for (let i = 0; i < SESSIONS; i++) floods.push(await openSession(w, 0));
  say(`  ${SESSIONS + 1} sessions ready; load ${load()}`);
  const from = bys.log.deltaTimes.length;
  await prompt(bys.tab, bys.session_id, `slow ${BYS} every 40 bys`);
  await bys.tab.waitFor(bys.session_id, "first delta", () => bys.log.deltaTimes.length > from + 10);
  // BENCH_STRACE=1: count the server's SQLite writes (pwrite64) and syncs during the floods.
  const strace = process.env.BENCH_STRACE
    ? await countSyscalls(w.serverPid, ["pwrite64", "fdatasync"])
    : null;
  const c0 = cpuMsPrecise(w.serverPid);
  const rc0 = cpuMsPrecise(w.runnerPid());
  const sq0 = runQueueMs(w.serverPid);
  const rq0 = runQueueMs(w.runnerPid());
  const start = performance.timeOrigin + performance.now();
  await Promise.all(floods.map((f, i) => prompt(f.tab, f.session_id, `flood ${EACH} s${i}`)));
  await Promise.all(floods.map((f) => f.tab.waitIdle(f.session_id, 1, 600_000)));
  const end = performance.timeOrigin + performance.now();
  if (strace) say(`  server syscalls during the floods (strace -c): ${JSON.stringify(await strace())}`);
  const serverCpu = cpuMsPrecise(w.serverPid) - c0;
  const runnerCpu = cpuMsPrecise(w.runnerPid()) - rc0;
  const serverWait = runQueueMs(w.serverPid) - sq0;
  const runnerWait = runQueueMs(w.runnerPid()) - rq0;
  let lost = 0;
  for (const [i, f] of floods.entries()) {
    const text = f.log.deltas.join("");
    const gapFree = f.log.seqs.every((q, k) => q === k + 1);
    if (text !== `s${i} `.repeat(EACH) || !gapFree) {
      lost++;
      say(
        `  session ${i}: ${f.log.deltas.length} deltas, text ${text === `s${i} `.repeat(EACH) ? "ok" : "DIFFERS"}, seq ${gapFree ? "gap-free" : "GAPS"}`,
      );
    }
  }
  const window = (end - start) / 1000;
  say(
    `floods done in ${f2(window)} s: ${f1((SESSIONS * EACH) / window / 1000)}k deltas/s in total; ${SESSIONS - lost}/${SESSIONS} sessions complete, exact text, gap-free seq`,
  );
  say(
    `  server CPU ${f1((serverCpu / (end - start)) * 100)}% of a core, runner ${f1((runnerCpu / (end - start)) * 100)}% during the floods; load ${load()}`,
  );
  say(
    `  runnable but waiting for a CPU (schedstat), per second of flooding: server ${f1((serverWait / (end - start)) * 1000)} ms, runner ${f1((runnerWait / (end - start)) * 1000)} ms`,
  );
  await bys.tab.waitIdle(bys.session_id, 2, 120_000);
  const to = bys.log.deltaTimes.length;
  if (bys.log.deltas.slice(from).join("") !== "bys ".repeat(BYS)) throw new Error("bystander text differs");
  const lat = await deltaLatencies(w, bys, from, to);
  const during = lat.total.filter(
    (_, i) => (lat.arrived[i] as number) >= start && (lat.arrived[i] as number) <= end,
  );
  say(`bystander added latency while the others flood: ${latency(during)} (target p99 ≤ 50)`);
  say(`bystander added latency, whole stream: ${latency(lat.total)}`);
  const runnerDuring = lat.runner.filter(
    (_, i) => (lat.arrived[i] as number) >= start && (lat.arrived[i] as number) <= end,
  );
  say(`  of which pi stdout chunk → runner event: ${latency(runnerDuring)}`);
  say(`  server RSS ${f1(rssMb(w.serverPid))} MB, runner RSS ${f1(rssMb(w.runnerPid()))} MB after`);
  for (const f of [bys, ...floods]) {
    await f.tab.ok("session.delete", { session_id: f.session_id });
    await f.tab.close();
  }
}

say(`# bench/stream — ${new Date().toISOString()}, bun ${Bun.version}, load ${load()}`);
const w = await startWorld();
try {
  say(`server ${w.url} (pid ${w.serverPid})`);
  const piRate = wants("pi") ? await sectionPi(w) : undefined;
  if (wants("flood")) await sectionFlood(w, piRate);
  if (wants("slow")) await sectionSlow(w);
  if (wants("start")) await sectionStart(w);
  if (wants("newconv")) await sectionNewConversation(w);
  if (wants("reconnect")) await sectionReconnect(w);
  if (wants("concurrent")) await sectionConcurrent(w);
} finally {
  await w.stop();
}
say(`\ndone; load ${load()}`);

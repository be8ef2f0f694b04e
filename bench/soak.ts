/**
 * Soak: do the server, the LLM gateway and the runner stay flat while sessions come and go, and how
 * long does a person wait for the first word? (run by hand: `bun bench/soak.ts`; prints samples and
 * a verdict, asserts nothing).
 *
 * Phase 1 (open): creates `--open N` held sessions and `--active M` active ones, at most
 * `--create-concurrency C` at a time (each waits for its agent's `session.state`), `--per-socket K`
 * sessions subscribed on each mux socket (one browser tab watches many sessions; the UI's mux client
 * subscribes every session it shows on its one socket). Held agents go idle and are reaped after
 * `--idle-timeout`, so 1,000 held sessions need no 1,000 live pi.
 * Phase 2 (soak, `--minutes X`): a held session is prompted every `--revive-s` seconds (open loop:
 * the next one is prompted on time even if the last has not answered yet), revived with `--continue`
 * when its agent was reaped; each active session asks `--answer` (default `slow 200 every 40`,
 * 25 tokens/s), reads it for `--think-s` seconds, and asks again.
 *
 * Measured: first-token latency (prompt sent → first `stream.text_delta` at the client) of revived,
 * held-but-live and active sessions, p50/p99 per third of the soak; RSS and PSS of server, gateway,
 * runner, the runner's tree (all agents) and all of octo; open fds of server, gateway and runner;
 * live agents; answers, revivals and failures. Verdict: first third vs last third of the soak.
 *
 *   --open N               held sessions (default 20)
 *   --active M             active sessions (default 3)
 *   --minutes X            soak duration after opening (default 3)
 *   --sample-s S           sampling period (default 5)
 *   --idle-timeout D       runner.idle_timeout for the run (default 60s; > --think-s)
 *   --revive-s S           a held session is prompted every S seconds (default 2)
 *   --max-revivals R       prompts to held sessions in flight at most (default 8); a tick that
 *                          finds R in flight is counted as skipped (the machine is behind)
 *   --per-socket K         sessions per mux socket (default 10)
 *   --create-concurrency C sessions being created at once (default 2)
 *   --max-live L           pause creating while more than L agents are alive (default 0: no pause)
 *   --create-minutes B     create held sessions through `session.create` for at most B minutes
 *                          (default 0: no limit); the held sessions left are then added to the
 *                          database as sleeping sessions (a created session once reaped, but
 *                          with no pi session file yet) and subscribed: pi's start bounds the
 *                          creation rate (0.13–1.7/s seen on 2 cores, by load), so 1,000 may not
 *                          fit in the time
 *   --answer TEXT          what active sessions ask (default "slow 200 every 40")
 *   --think-s T            pause between an active session's answers (default 30)
 *   --warmup-min W         leave the soak's first W minutes out of the verdict (default: a sixth
 *                          of the soak; the first prompts revive every active session at once)
 */
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { parseArgs } from "node:util";
import { wallClock } from "../runner/trace.ts";
import type { BenchSocket, SessionLog } from "./stream/client.ts";
import { load } from "./stream/procs.ts";
import { f1, pct } from "./stream/stats.ts";

const { values } = parseArgs({
  options: {
    open: { type: "string", default: "20" },
    active: { type: "string", default: "3" },
    minutes: { type: "string", default: "3" },
    "sample-s": { type: "string", default: "5" },
    "idle-timeout": { type: "string", default: "60s" },
    "revive-s": { type: "string", default: "2" },
    "per-socket": { type: "string", default: "10" },
    "max-revivals": { type: "string", default: "8" },
    "create-concurrency": { type: "string", default: "2" },
    "max-live": { type: "string", default: "0" },
    "create-minutes": { type: "string", default: "0" },
    answer: { type: "string", default: "slow 200 every 40" },
    "think-s": { type: "string", default: "30" },
    "warmup-min": { type: "string" },
  },
});
const OPEN = Number(values.open);
const ACTIVE = Number(values.active);
const DURATION_MS = Number(values.minutes) * 60_000;
const SAMPLE_MS = Number(values["sample-s"]) * 1000;
const REVIVE_MS = Number(values["revive-s"]) * 1000;
const PER_SOCKET = Number(values["per-socket"]);
const MAX_REVIVALS = Number(values["max-revivals"]);
const CREATE_CONCURRENCY = Number(values["create-concurrency"]);
const MAX_LIVE = Number(values["max-live"]);
const CREATE_MS = Number(values["create-minutes"]) * 60_000;
const THINK_MS = Number(values["think-s"]) * 1000;
const ANSWER = values.answer as string;
const WARMUP_S = values["warmup-min"] === undefined ? DURATION_MS / 6000 : Number(values["warmup-min"]) * 60;
const TIMEOUT_MS = 300_000;
process.env.BENCH_IDLE_TIMEOUT = values["idle-timeout"];
// The world reads the environment above when it starts the server.
const { startWorld } = await import("./stream/world.ts");
const { childrenMap, descendants, processMemory } = await import("../src/shared/proctree.ts");

const MB = 1048576;
const fds = (pid: number) => {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return 0;
  }
};
const exe = (pid: number) => {
  try {
    return readlinkSync(`/proc/${pid}/exe`);
  } catch {
    return "";
  }
};
const cmdline = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
  } catch {
    return "";
  }
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const w = await startWorld();
// A bench that fails half-way still stops its server, runner and LLM fixture.
for (const event of ["uncaughtException", "unhandledRejection", "SIGINT", "SIGTERM"] as const) {
  process.on(event, async (e: unknown) => {
    console.error(e);
    await w.stop();
    process.exit(1);
  });
}
let clientSeq = 0;

// ---------------------------------------------------------------- sessions on shared sockets

interface Held {
  tab: BenchSocket;
  session_id: string;
  log: SessionLog;
  busy: boolean;
}
const sockets: BenchSocket[] = [];
let opened = 0;
async function socketFor(index: number): Promise<BenchSocket> {
  const i = Math.floor(index / PER_SOCKET);
  while (sockets.length <= i) sockets.push(await w.socket());
  return sockets[i] as BenchSocket;
}

async function openSession(index: number): Promise<Held> {
  const tab = await socketFor(index);
  const { session_id } = await tab.ok<{ session_id: string }>("session.create", { project_id: w.projectId });
  await tab.ok("session.subscribe", { session_id, after_seq: 0 });
  const log = tab.log(session_id);
  await tab.waitFor(session_id, "agent ready", () => log.find("session.state") >= 0, TIMEOUT_MS);
  opened++;
  return { tab, session_id, log, busy: false };
}

// ---------------------------------------------------------------- processes and memory

/** Agents alive: the runner's children that run `octo-sandbox … pi`. */
let sandboxExe = "";
function liveAgents(runner: number, children: Map<number, number[]>): number {
  let n = 0;
  for (const child of children.get(runner) ?? []) {
    if (sandboxExe ? exe(child) === sandboxExe : cmdline(child).includes("sandbox")) n++;
  }
  return n;
}

interface Sample {
  phase: "open" | "soak";
  t: number;
  serverRss: number;
  serverPss: number;
  serverFds: number;
  gatewayRss: number;
  gatewayPss: number;
  gatewayFds: number;
  runnerRss: number;
  runnerPss: number;
  runnerFds: number;
  treePss: number;
  allPss: number;
  agents: number;
  sleeping: number;
  answers: number;
  revived: number;
  failures: number;
  load: string;
}

let answers = 0;
let revived = 0;
let warmAsks = 0;
let failures = 0;
let phase: Sample["phase"] = "open";
const samples: Sample[] = [];
const t0 = Date.now();
let lastLive = 0;
const sample = () => {
  const runner = w.runnerPid();
  const gateway = w.gatewayPid();
  const children = childrenMap();
  const mem = (pid: number) => (pid ? processMemory(pid) : { rss: 0, pss: 0, private: 0 });
  const runnerTree = [runner, ...descendants(runner, children)];
  // Every octo process once: the server, the gateway, the runner and what each started.
  const all = new Set<number>();
  for (const root of [w.serverPid, gateway, runner]) {
    if (!root) continue;
    all.add(root);
    for (const pid of descendants(root, children)) all.add(pid);
  }
  const pss = (pids: Iterable<number>) => {
    let sum = 0;
    for (const pid of pids) sum += processMemory(pid).pss;
    return sum / MB;
  };
  const server = mem(w.serverPid);
  const gw = mem(gateway);
  const rn = mem(runner);
  lastLive = liveAgents(runner, children);
  const s: Sample = {
    phase,
    t: (Date.now() - t0) / 1000,
    serverRss: server.rss / MB,
    serverPss: server.pss / MB,
    serverFds: fds(w.serverPid),
    gatewayRss: gw.rss / MB,
    gatewayPss: gw.pss / MB,
    gatewayFds: gateway ? fds(gateway) : 0,
    runnerRss: rn.rss / MB,
    runnerPss: rn.pss / MB,
    runnerFds: fds(runner),
    treePss: pss(runnerTree),
    allPss: pss(all),
    agents: lastLive,
    sleeping: w.statusCounts().sleeping ?? 0,
    answers,
    revived,
    failures,
    load: load(),
  };
  samples.push(s);
  console.log(
    `t=${s.t.toFixed(0)}s ${s.phase} | server ${f1(s.serverRss)} MB rss ${f1(s.serverPss)} pss ${s.serverFds} fds | gateway ${f1(s.gatewayRss)}/${f1(s.gatewayPss)} MB ${s.gatewayFds} fds | runner ${f1(s.runnerRss)}/${f1(s.runnerPss)} MB ${s.runnerFds} fds | runner tree ${f1(s.treePss)} MB pss, all octo ${f1(s.allPss)} MB | ${s.agents} agents, ${s.sleeping} sleeping, ${opened} opened | answers ${s.answers} revived ${s.revived} failures ${s.failures} | load ${s.load}`,
  );
};

// ---------------------------------------------------------------- phase 1: open

console.log(
  `soak: ${OPEN} held + ${ACTIVE} active sessions, ${PER_SOCKET} per socket, created ${CREATE_CONCURRENCY} at a time${MAX_LIVE ? ` while ≤ ${MAX_LIVE} agents live` : ""}; idle timeout ${values["idle-timeout"]}; soak ${values.minutes} min: a held session prompted every ${values["revive-s"]} s, active ones ask "${ANSWER}" then think ${values["think-s"]} s`,
);
sample();
let sampler = setInterval(sample, SAMPLE_MS);
const sandboxPid = descendants(w.runnerPid()).find((p) => cmdline(p).includes("sandbox"));
if (sandboxPid) sandboxExe = exe(sandboxPid);

const total = OPEN + ACTIVE;
const sessions: Held[] = new Array(total);
const openStarted = Date.now();
const createUntil = CREATE_MS > 0 ? openStarted + CREATE_MS : Number.POSITIVE_INFINITY;
// Active sessions first (they must all be real), then held ones, in index order.
const order = [
  ...Array.from({ length: ACTIVE }, (_, i) => OPEN + i),
  ...Array.from({ length: OPEN }, (_, i) => i),
];
let nextIndex = 0;
let created = 0;
await Promise.all(
  Array.from({ length: CREATE_CONCURRENCY }, async () => {
    for (;;) {
      if (nextIndex >= total || (nextIndex >= ACTIVE && Date.now() >= createUntil)) return;
      const i = order[nextIndex++] as number;
      while (MAX_LIVE > 0 && lastLive > MAX_LIVE) await sleep(500);
      for (let attempt = 1; ; attempt++) {
        try {
          sessions[i] = await openSession(i);
          created++;
          break;
        } catch (e) {
          failures++;
          console.log(`open #${i} (attempt ${attempt}): ${(e as Error).message.slice(0, 200)}`);
          if (attempt >= 3) throw e;
        }
      }
      if (opened % 50 === 0)
        console.log(
          `${opened}/${total} open after ${((Date.now() - openStarted) / 1000).toFixed(0)} s (load ${load()})`,
        );
    }
  }),
);
const createSeconds = (Date.now() - openStarted) / 1000;
// Held sessions not created in the time: sleeping rows, as a created session is once reaped.
let seeded = 0;
if (created < total) {
  const { Database } = await import("bun:sqlite");
  const { sessionsRepo } = await import("../src/storage/sessions.ts");
  const { newSessionRow } = await import("../src/sessions/new-row.ts");
  const db = new Database(w.dbPath);
  db.exec("PRAGMA busy_timeout = 5000");
  const project = db
    .query<{ user_id: string; profile: string }, [string]>(
      "SELECT user_id, profile FROM projects WHERE id = ?",
    )
    .get(w.projectId);
  if (!project) throw new Error("bench project not found");
  const model =
    db.query<{ model: string }, []>("SELECT model FROM sessions LIMIT 1").get()?.model ?? "fx/fake-1";
  const repo = sessionsRepo(db);
  for (let i = 0; i < total; i++) {
    if (sessions[i]) continue;
    const row = {
      ...newSessionRow(
        {
          user_id: project.user_id,
          project_id: w.projectId,
          title: "",
          model,
          profile: project.profile,
          parent_id: null,
        },
        Date.now(),
      ),
      status: "sleeping" as const,
    };
    repo.insert(row);
    const tab = await socketFor(i);
    await tab.ok("session.subscribe", { session_id: row.id, after_seq: 0 });
    sessions[i] = { tab, session_id: row.id, log: tab.log(row.id), busy: false };
    opened++;
    seeded++;
  }
  db.close();
  console.log(`${seeded} held sessions added as sleeping rows and subscribed`);
}
const openSeconds = (Date.now() - openStarted) / 1000;
const openFailures = failures;
const held = sessions.slice(0, OPEN);
const active = sessions.slice(OPEN);
console.log(
  `${total} sessions open on ${sockets.length} sockets in ${openSeconds.toFixed(0)} s: ${created} created in ${createSeconds.toFixed(0)} s (${(created / createSeconds).toFixed(2)}/s), ${seeded} added as sleeping rows; ${openFailures} failed attempts; load ${load()}`,
);

// ---------------------------------------------------------------- phase 2: soak

phase = "soak";
clearInterval(sampler);
sample();
sampler = setInterval(sample, SAMPLE_MS);
const soakStart = wallClock();
const stopAt = Date.now() + DURATION_MS;

type Kind = "revived" | "held live" | "active";
const firstTokens: { kind: Kind; at: number; ms: number }[] = [];
let activeRevived = 0;

/** The session's agent was reaped (no process): the next prompt revives it. */
function reaped(s: Held): boolean {
  try {
    w.procOf(s.session_id);
    return false;
  } catch {
    return true;
  }
}

/** One prompt: first-token latency and the answer's end, on the session's own socket. */
async function ask(s: Held, message: string, kind: Kind): Promise<boolean> {
  const idles = s.log.idles;
  const deltas = s.log.deltaTimes.length;
  const sent = wallClock();
  try {
    await s.tab.ok("prompt", { session_id: s.session_id, message, client_id: `soak-${++clientSeq}` });
    await s.tab.waitFor(
      s.session_id,
      `first token (${kind})`,
      () => s.log.deltaTimes.length > deltas,
      TIMEOUT_MS,
    );
    firstTokens.push({ kind, at: sent - soakStart, ms: (s.log.deltaTimes[deltas] as number) - sent });
    await s.tab.waitFor(s.session_id, `answer (${kind})`, () => s.log.idles > idles, TIMEOUT_MS);
    return true;
  } catch (e) {
    failures++;
    console.log(`${kind} ${s.session_id}: ${(e as Error).message.slice(0, 300)}`);
    return false;
  }
}

const streams = active.map(async (s, i) => {
  // Spread the first questions over one think time, as people arrive at different moments.
  await sleep((THINK_MS * i) / Math.max(1, active.length));
  while (Date.now() < stopAt) {
    // An active session idle longer than the idle timeout (while the others were being opened) is
    // revived by this prompt: counted with the revivals.
    const kind: Kind = reaped(s) ? "revived" : "active";
    if (kind === "revived") activeRevived++;
    if (await ask(s, ANSWER, kind)) answers++;
    if (Date.now() + THINK_MS >= stopAt) break;
    await sleep(THINK_MS);
  }
});

let inFlightRevivals = 0;
let maxInFlight = 0;
const revivals: Promise<void>[] = [];
let nextHeld = 0;
let skippedTicks = 0;
while (Date.now() < stopAt && held.length > 0) {
  const tick = Date.now();
  let s: Held | undefined;
  if (inFlightRevivals >= MAX_REVIVALS) skippedTicks++;
  else
    for (let tries = 0; tries < held.length && !s; tries++) {
      const c = held[nextHeld++ % held.length] as Held;
      if (!c.busy) s = c;
    }
  if (s) {
    const h = s;
    const wasReaped = reaped(h);
    h.busy = true;
    inFlightRevivals++;
    maxInFlight = Math.max(maxInFlight, inFlightRevivals);
    revivals.push(
      ask(h, "hello again", wasReaped ? "revived" : "held live").then((done) => {
        if (done && wasReaped) revived++;
        else if (done) warmAsks++;
        h.busy = false;
        inFlightRevivals--;
      }),
    );
  }
  await sleep(Math.max(0, REVIVE_MS - (Date.now() - tick)));
}
await Promise.all([...streams, ...revivals]);
clearInterval(sampler);
sample();

// ---------------------------------------------------------------- report

const soakStartT = samples.find((s) => s.phase === "soak")?.t ?? 0;
const soak = samples.filter((s) => s.phase === "soak" && s.t - soakStartT >= WARMUP_S);
const soakMs = wallClock() - soakStart;
console.log(
  `\nopen: ${total} sessions on ${sockets.length} sockets in ${openSeconds.toFixed(0)} s: ${created} created through session.create (${(created / createSeconds).toFixed(2)}/s), ${seeded} added as sleeping rows; ${openFailures} failed attempts`,
);
console.log(
  `soak: ${answers} active answers, ${revived} revivals of held sessions and ${activeRevived} of active ones (agent reaped), ${warmAsks} prompts to held sessions whose agent was still live, ${failures - openFailures} failures in ${(soakMs / 60_000).toFixed(1)} min; at most ${maxInFlight} held prompts in flight, ${skippedTicks} ticks skipped at ${MAX_REVIVALS}; load ${load()}`,
);

console.log("\nfirst token (prompt sent → first text delta at the client), per third of the soak:");
for (const kind of ["revived", "held live", "active"] as Kind[]) {
  const parts: string[] = [];
  for (let third = 0; third < 3; third++) {
    const xs = firstTokens
      .filter((f) => f.kind === kind && Math.min(2, Math.floor((3 * f.at) / soakMs)) === third)
      .map((f) => f.ms);
    parts.push(
      xs.length ? `p50 ${pct(xs, 50).toFixed(0)} / p99 ${pct(xs, 99).toFixed(0)} ms (n=${xs.length})` : "-",
    );
  }
  console.log(`  ${kind.padEnd(9)} ${parts.join(" | ")}`);
}

const peak = (pick: (s: Sample) => number) => Math.max(...samples.map(pick));
console.log(
  `\npeak (whole run): server ${f1(peak((s) => s.serverRss))} MB RSS / ${f1(peak((s) => s.serverPss))} PSS, gateway ${f1(peak((s) => s.gatewayRss))} / ${f1(peak((s) => s.gatewayPss))}, runner ${f1(peak((s) => s.runnerRss))} / ${f1(peak((s) => s.runnerPss))}, runner tree ${f1(peak((s) => s.treePss))} MB PSS, all octo ${f1(peak((s) => s.allPss))} MB PSS, ${peak((s) => s.agents)} agents live`,
);

/**
 * Growth over the soak with the live agents held apart: a least-squares fit of
 * `value = a + b·agents + c·minutes` over the soak's samples. Open fds and memory of the runner and
 * gateway follow the agents alive (a few fds each), which come and go; `c` is what time alone adds.
 * Also the first and last third's averages, as read by eye.
 */
function trend(name: string, pick: (s: Sample) => number, tolerancePer30Min: number) {
  const third = Math.max(1, Math.floor(soak.length / 3));
  const avg = (xs: Sample[]) => xs.reduce((a, s) => a + pick(s), 0) / xs.length;
  const early = avg(soak.slice(0, third));
  const late = avg(soak.slice(-third));
  const perMin = timeSlope(soak, pick);
  const per30 = perMin * 30;
  const flat = per30 <= tolerancePer30Min;
  console.log(
    `${name.padEnd(16)} first third ${f1(early).padStart(7)}, last third ${f1(late).padStart(7)}; per 30 min at equal agents ${per30 >= 0 ? "+" : ""}${f1(per30)} → ${flat ? "flat" : "GROWING"}`,
  );
  return flat;
}

/** `c` of y = a + b·agents + c·minutes, least squares (centred, so `a` drops out). */
function timeSlope(xs: Sample[], pick: (s: Sample) => number): number {
  if (xs.length < 3) return 0;
  const mean = (f: (s: Sample) => number) => xs.reduce((sum, s) => sum + f(s), 0) / xs.length;
  const ma = mean((s) => s.agents);
  const mt = mean((s) => s.t / 60);
  const my = mean(pick);
  let saa = 0;
  let stt = 0;
  let sat = 0;
  let say = 0;
  let sty = 0;
  for (const s of xs) {
    const a = s.agents - ma;
    const t = s.t / 60 - mt;
    const y = pick(s) - my;
    saa += a * a;
    stt += t * t;
    sat += a * t;
    say += a * y;
    sty += t * y;
  }
  if (stt === 0) return 0;
  const det = saa * stt - sat * sat;
  // Live agents never changed (or moved with time exactly): the plain slope over time.
  if (saa === 0 || Math.abs(det) < 1e-9 * saa * stt) return sty / stt;
  return (saa * sty - sat * say) / det;
}
console.log(
  `\nsoak trend (${soak.length} samples after ${(WARMUP_S / 60).toFixed(1)} min of warm-up; flat = at most +10 MB / +5 fds per 30 min at equal live agents):`,
);
const flat = [
  trend("server RSS MB", (s) => s.serverRss, 10),
  trend("server PSS MB", (s) => s.serverPss, 10),
  trend("server fds", (s) => s.serverFds, 5),
  trend("gateway RSS MB", (s) => s.gatewayRss, 10),
  trend("gateway PSS MB", (s) => s.gatewayPss, 10),
  trend("gateway fds", (s) => s.gatewayFds, 5),
  trend("runner RSS MB", (s) => s.runnerRss, 10),
  trend("runner PSS MB", (s) => s.runnerPss, 10),
  trend("runner fds", (s) => s.runnerFds, 5),
].every(Boolean);
trend("runner tree PSS", (s) => s.treePss, Number.POSITIVE_INFINITY);
console.log(flat ? "verdict: flat" : "verdict: something grows");
await Promise.all(sockets.map((s) => s.close()));
await w.stop();
process.exit(0);

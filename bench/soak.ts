/**
 * Soak: does the server and runner stay flat while sessions come and go? (run by hand:
 * `bun bench/soak.ts`; prints samples and a verdict, asserts nothing).
 *
 * Holds `--open N` sessions subscribed on one socket each: their agents go idle, are reaped after
 * `--idle-timeout`, and one of them is prompted every `--revive-s` seconds (revived with
 * `--continue`). `--active M` more sessions stream answers back to back (`slow 200 every 20`). Every
 * `--sample-s` seconds it samples the server's and the runner's RSS and open descriptors and the
 * runner's whole tree (PSS), and at the end says whether the server and runner grew.
 *
 *   --open N         idle sessions held open (default 20)
 *   --active M       sessions answering all the time (default 3)
 *   --minutes X      how long (default 3)
 *   --sample-s S     sampling period (default 5)
 *   --idle-timeout D runner.idle_timeout for the run (default 20s)
 *   --revive-s S     a held session is prompted every S seconds (default 4)
 *
 * The run the hardening plan asks for (30 minutes, 1,000 sessions) needs a quiet machine with room
 * for 1,000 pi processes in turn; `--open 1000 --active 20 --minutes 30`.
 */
import { readdirSync } from "node:fs";
import { parseArgs } from "node:util";
import type { BenchSocket } from "./stream/client.ts";
import { load, rssMb } from "./stream/procs.ts";
import { f1 } from "./stream/stats.ts";

const { values } = parseArgs({
  options: {
    open: { type: "string", default: "20" },
    active: { type: "string", default: "3" },
    minutes: { type: "string", default: "3" },
    "sample-s": { type: "string", default: "5" },
    "idle-timeout": { type: "string", default: "20s" },
    "revive-s": { type: "string", default: "4" },
  },
});
const OPEN = Number(values.open);
const ACTIVE = Number(values.active);
const DURATION_MS = Number(values.minutes) * 60_000;
const SAMPLE_MS = Number(values["sample-s"]) * 1000;
const REVIVE_MS = Number(values["revive-s"]) * 1000;
process.env.BENCH_IDLE_TIMEOUT = values["idle-timeout"];
// The world reads the environment above when it starts the server.
const { startWorld } = await import("./stream/world.ts");
const { treeMemory } = await import("../src/shared/proctree.ts");

const fds = (pid: number) => {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return 0;
  }
};

interface Sample {
  t: number;
  serverRss: number;
  serverFds: number;
  runnerRss: number;
  runnerFds: number;
  treePss: number;
  answers: number;
  revived: number;
  load: string;
}

const w = await startWorld();
let clientSeq = 0;
const prompt = (tab: BenchSocket, session_id: string, message: string) =>
  tab.ok("prompt", { session_id, message, client_id: `soak-${++clientSeq}` });

async function openSession() {
  const tab = await w.socket();
  const { session_id } = await tab.ok<{ session_id: string }>("session.create", { project_id: w.projectId });
  await tab.ok("session.subscribe", { session_id, after_seq: 0 });
  const log = tab.log(session_id);
  await tab.waitFor(session_id, "agent ready", () => log.find("session.state") >= 0, 300_000);
  return { tab, session_id, log };
}

console.log(
  `soak: ${OPEN} open (idle timeout ${values["idle-timeout"]}), ${ACTIVE} active, ${values.minutes} min`,
);
const held = [];
for (let i = 0; i < OPEN; i++) held.push(await openSession());
const active = [];
for (let i = 0; i < ACTIVE; i++) active.push(await openSession());
console.log(`sessions open (load ${load()})`);

const stopAt = Date.now() + DURATION_MS;
let answers = 0;
let revived = 0;
let failures = 0;

const streams = active.map(async (s) => {
  while (Date.now() < stopAt) {
    const before = s.log.idles;
    try {
      await prompt(s.tab, s.session_id, "slow 200 every 20");
      await s.tab.waitFor(s.session_id, "answer", () => s.log.idles > before, 300_000);
      answers++;
    } catch (e) {
      failures++;
      console.log(`active ${s.session_id}: ${(e as Error).message.slice(0, 200)}`);
    }
  }
});

const revivals = (async () => {
  let next = 0;
  while (Date.now() < stopAt) {
    const s = held[next++ % held.length];
    if (!s) break;
    const before = s.log.idles;
    const t0 = Date.now();
    try {
      await prompt(s.tab, s.session_id, "hello again");
      await s.tab.waitFor(s.session_id, "revived answer", () => s.log.idles > before, 300_000);
      revived++;
    } catch (e) {
      failures++;
      console.log(`revive ${s.session_id}: ${(e as Error).message.slice(0, 200)}`);
    }
    const wait = REVIVE_MS - (Date.now() - t0);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
})();

const samples: Sample[] = [];
const t0 = Date.now();
const sample = () => {
  const runner = w.runnerPid();
  const s: Sample = {
    t: (Date.now() - t0) / 1000,
    serverRss: rssMb(w.serverPid),
    serverFds: fds(w.serverPid),
    runnerRss: rssMb(runner),
    runnerFds: fds(runner),
    treePss: treeMemory(runner).pss / 1048576,
    answers,
    revived,
    load: load(),
  };
  samples.push(s);
  console.log(
    `t=${s.t.toFixed(0)}s server ${f1(s.serverRss)} MB ${s.serverFds} fds | runner ${f1(s.runnerRss)} MB ${s.runnerFds} fds | runner tree PSS ${f1(s.treePss)} MB | answers ${s.answers} revived ${s.revived} | load ${s.load}`,
  );
};
sample();
const sampler = setInterval(sample, SAMPLE_MS);
await Promise.all([...streams, revivals]);
clearInterval(sampler);
sample();

/** First third vs last third: growth that survives the noise of sessions coming and going. */
function trend(name: string, pick: (s: Sample) => number, tolerance: number) {
  const third = Math.max(1, Math.floor(samples.length / 3));
  const avg = (xs: Sample[]) => xs.reduce((a, s) => a + pick(s), 0) / xs.length;
  const early = avg(samples.slice(0, third));
  const late = avg(samples.slice(-third));
  const flat = late - early <= tolerance;
  console.log(`${name}: first third ${f1(early)}, last third ${f1(late)} → ${flat ? "flat" : "GROWING"}`);
  return flat;
}
console.log(
  `\n${answers} answers, ${revived} revivals, ${failures} failures in ${values.minutes} min; load ${load()}`,
);
const flat = [
  trend("server RSS MB", (s) => s.serverRss, 10),
  trend("server fds", (s) => s.serverFds, 5),
  trend("runner RSS MB", (s) => s.runnerRss, 10),
  trend("runner fds", (s) => s.runnerFds, 5),
].every(Boolean);
console.log(flat ? "verdict: flat" : "verdict: something grows");
await Promise.all([...held, ...active].map((s) => s.tab.close()));
await w.stop();
process.exit(0);

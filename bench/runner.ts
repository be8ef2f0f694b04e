/**
 * Runner benchmarks (run by hand: `bun bench/runner.ts`). Prints numbers; asserts nothing.
 *  - request round trip (status) over the unix socket, one request in flight
 *  - PTY keystroke echo latency through the sandbox (target p50 ≤ 5 ms)
 *  - runner idle RSS (target ≤ 40 MB)
 *  - spawn → exit of a sandboxed `true` through the runner
 *  - 100 concurrent sandboxed processes for one user
 */
import { loadavg } from "node:os";
import type { RunnerEvent } from "../src/protocol/runner.ts";
import { RUNNER_RUNTIME_ENV } from "../src/shared/runner-layout.ts";
import { EventLog, startLocalRunner } from "../test/runner/harness.ts";
import { privateMb } from "./stream/procs.ts";

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] as number;
};
const fmt = (xs: number[]) =>
  `p50 ${pct(xs, 50).toFixed(2)} ms  p95 ${pct(xs, 95).toFixed(2)} ms  max ${Math.max(...xs).toFixed(2)} ms  (n=${xs.length})`;
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

// The runner runs as octo starts it (RUNNER_RUNTIME_ENV: JIT on since decision 0033); `--no-jit`
// compares with BUN_JSC_useJIT=0 (`--jit` is accepted and is the default).
const withJit = !process.argv.includes("--no-jit");
console.log(
  `runner ${withJit ? "with the JIT, as started by octo" : "without the JIT (BUN_JSC_useJIT=0)"}; load ${loadavg()[0]?.toFixed(1)}`,
);
const runner = await startLocalRunner({
  maxProcesses: 128,
  env: withJit ? { ...RUNNER_RUNTIME_ENV } : { BUN_JSC_useJIT: "0" },
});
const client = await runner.client();
const project = runner.project;

// idle RSS: settle first (a few requests, then a quiet moment)
for (let i = 0; i < 10; i++) await client.status();
await Bun.sleep(500);
const idle = await client.status();
console.log(`runner idle RSS: ${idle.ok ? mb(idle.value.rss_bytes) : "?"}`);

// request round trip
{
  const times: number[] = [];
  for (let i = 0; i < 2000; i++) {
    const t = performance.now();
    await client.status();
    times.push(performance.now() - t);
  }
  console.log(`request round trip (status): ${fmt(times.slice(200))}`);
}

// spawn → exit of `true`
{
  const times: number[] = [];
  for (let i = 0; i < 30; i++) {
    const t = performance.now();
    const s = await client.spawn({ profile: "minimal", project, argv: ["true"] });
    if (!s.ok) throw new Error(s.error.message);
    const log = new EventLog();
    await client.subscribe(s.value.proc, 0, log.push);
    const exit = await log.waitExit();
    times.push(performance.now() - t);
    await client.ack(s.value.proc, exit.seq);
  }
  console.log(`sandboxed true, spawn request → exit event: ${fmt(times.slice(3))}`);
}

// PTY keystroke echo
{
  const s = await client.spawn({
    profile: "minimal",
    project,
    argv: ["bash", "--norc", "-i"],
    pty: { cols: 80, rows: 24 },
  });
  if (!s.ok) throw new Error(s.error.message);
  const proc = s.value.proc;
  let waiter: ((e: RunnerEvent) => void) | null = null;
  let lastSeq = 0;
  await client.subscribe(proc, 0, (e) => {
    lastSeq = e.seq;
    waiter?.(e);
  });
  const echoed = (ch: string) =>
    new Promise<void>((resolve) => {
      waiter = (e) => {
        if (e.event === "output" && Buffer.from(e.data, "base64").toString().includes(ch)) {
          waiter = null;
          resolve();
        }
      };
    });
  await Bun.sleep(300); // let bash print its prompt
  const times: number[] = [];
  const letters = "abcdefghijklmnopqrstuvwxyz";
  for (let i = 0; i < 300; i++) {
    const ch = letters[i % letters.length] as string;
    const got = echoed(ch);
    const t = performance.now();
    await client.write(proc, ch);
    await got;
    times.push(performance.now() - t);
    if (i % 50 === 49) {
      await client.write(proc, "\x15"); // ^U: clear the line
      await client.ack(proc, lastSeq);
    }
  }
  console.log(`PTY keystroke echo (bash readline, through the sandbox): ${fmt(times.slice(20))}`);
  await client.kill(proc);
}

// 100 concurrent sandboxed processes: spawned in waves of 10 (on 2 cores, 100 wrappers starting
// at once starve everything), then all alive together, each answering one line.
{
  const N = 100;
  const WAVE = 10;
  const t0 = performance.now();
  const procs: string[] = [];
  const spawnTimes: number[] = [];
  for (let i = 0; i < N; i += WAVE) {
    const wave = await Promise.all(
      Array.from({ length: WAVE }, async () => {
        const t = performance.now();
        const s = await client.spawn({
          profile: "minimal",
          project,
          argv: ["sh", "-c", 'read x; echo "pong $x"'],
          tag: "bench",
        });
        spawnTimes.push(performance.now() - t);
        if (!s.ok) throw new Error(s.error.message);
        return s.value.proc;
      }),
    );
    procs.push(...wave);
  }
  const tSpawned = performance.now() - t0;
  const logs = await Promise.all(
    procs.map(async (p) => {
      const log = new EventLog();
      await client.subscribe(p, 0, log.push);
      return log;
    }),
  );
  const list = await client.list("bench");
  const running = list.ok ? list.value.processes.filter((p) => p.state === "running").length : 0;
  const st = await client.status();
  const tree = Bun.spawnSync(["ps", "-o", "rss=", "--ppid", String(runner.proc.pid)]).stdout.toString();
  const wrappersRss = tree
    .split("\n")
    .filter(Boolean)
    .reduce((a, b) => a + Number(b) * 1024, 0);
  const wrapperPids = Bun.spawnSync(["ps", "-o", "pid=", "--ppid", String(runner.proc.pid)])
    .stdout.toString()
    .split("\n")
    .filter(Boolean)
    .map(Number);
  const wrappersPrivate = wrapperPids.reduce((a, pid) => a + privateMb(pid), 0);
  const t1 = performance.now();
  await Promise.all(procs.map((p, i) => client.write(p, `${i}\n`)));
  await Promise.all(logs.map((l, i) => l.waitText(`pong ${i}\n`, 120_000)));
  const tAnswered = performance.now() - t1;
  console.log(
    `${N} concurrent sandboxed processes: spawn request ${fmt(spawnTimes)}; all ${N} spawned in ${tSpawned.toFixed(0)} ms; ` +
      `${running} running at once; one line to each and all ${N} answers back in ${tAnswered.toFixed(0)} ms`,
  );
  console.log(
    `  while ${N} run: runner RSS ${st.ok ? mb(st.value.rss_bytes) : "?"}, octo-sandbox wrapper processes RSS ${mb(wrappersRss)} in total, ` +
      `private memory ${wrappersPrivate.toFixed(1)} MB in total (${(wrappersPrivate / Math.max(1, wrapperPids.length)).toFixed(1)} MB each; the rest is the shared runtime binary)`,
  );
  await Promise.all(logs.map((l) => l.waitExit(120_000)));
  await client.killTag("bench");
}

const after = await client.status();
console.log(`runner RSS after the run: ${after.ok ? mb(after.value.rss_bytes) : "?"}`);
await runner.stop();

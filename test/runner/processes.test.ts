import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import type { RunnerClient } from "../../src/runners/client.ts";
import { descendants, isAlive } from "../../src/shared/proctree.ts";
import { EventLog, type LocalRunner, startLocalRunner, waitUntil } from "./harness.ts";

/** Spawn/PTY/kill/exit/restart/cap through a real octo-runner process and the real sandbox. */
setDefaultTimeout(60_000);
let runner: LocalRunner;
let client: RunnerClient;

beforeAll(async () => {
  runner = await startLocalRunner({ maxProcesses: 3 });
  client = await runner.client();
});
afterAll(async () => {
  if (runner.proc.exitCode !== null) console.error(runner.stderr());
  await runner.stop();
});

async function run(argv: string[], extra: Record<string, unknown> = {}) {
  const spawned = await client.spawn({ profile: "minimal", project: runner.project, argv, ...extra });
  if (!spawned.ok) throw new Error(spawned.error.message);
  const log = new EventLog();
  const sub = await client.subscribe(spawned.value.proc, 0, log.push);
  if (!sub.ok) throw new Error(sub.error.message);
  return { ...spawned.value, log };
}

describe("octo-runner processes (real sandbox)", () => {
  test("pipes: stdin/stdout round trip, stderr separate, exit code reported", async () => {
    const p = await run(["sh", "-c", 'echo ready; read line; echo "echo:$line"; echo oops >&2; exit 7']);
    await p.log.waitText("ready");
    expect((await client.write(p.proc, "héllo\n")).ok).toBe(true);
    const exit = await p.log.waitExit();
    expect(exit.code).toBe(7);
    expect(exit.signal).toBeNull();
    const stdout = p.log.events.filter((e) => e.event === "output" && e.stream === "stdout");
    const stderr = p.log.events.filter((e) => e.event === "output" && e.stream === "stderr");
    expect(
      stdout.map((e) => (e.event === "output" ? Buffer.from(e.data, "base64").toString() : "")).join(""),
    ).toBe("ready\necho:héllo\n");
    expect(stderr.length).toBeGreaterThan(0);
    // seqs are consecutive from 1 and the exit is last
    expect(p.log.events.map((e) => e.seq)).toEqual(p.log.events.map((_, i) => i + 1));
    expect(p.log.events.at(-1)?.event).toBe("exit");
  });

  test("the command runs inside the sandbox (pid namespace, /workspace)", async () => {
    const p = await run(["sh", "-c", "echo pid=$$ cwd=$(pwd)"]);
    await p.log.waitExit();
    expect(p.log.text()).toContain("cwd=/workspace");
    expect(p.log.text()).toMatch(/pid=\d\b/);
  });

  test("PTY: keystrokes echo back, resize is seen by stty size", async () => {
    // bash, not dash: dash's exit tries to hand the tty back to a process group outside the pid namespace.
    const p = await run(["bash", "--norc", "-i"], { pty: { cols: 80, rows: 24 } });
    await client.write(p.proc, "stty size\r");
    await p.log.waitText("24 80");
    expect((await client.resize(p.proc, 132, 40)).ok).toBe(true);
    await client.write(p.proc, "stty size; tty\r");
    await p.log.waitText(/40 132\r\n\/dev\/\w+/);
    await client.write(p.proc, "exit 5\r");
    expect((await p.log.waitExit()).code).toBe(5);
  });

  test("resize of a pipe process is refused", async () => {
    const p = await run(["sh", "-c", "read x"]);
    const r = await client.resize(p.proc, 100, 30);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe("bad_request");
    await client.closeStdin(p.proc);
    await p.log.waitExit();
  });

  test("signal reaches the sandboxed command; its trap decides the exit code", async () => {
    const p = await run([
      "sh",
      "-c",
      "trap 'echo got-term; exit 42' TERM; echo ready; while :; do sleep 0.05; done",
    ]);
    await p.log.waitText("ready");
    expect((await client.signal(p.proc, "SIGTERM")).ok).toBe(true);
    const exit = await p.log.waitExit();
    expect(p.log.text()).toContain("got-term");
    expect(exit.code).toBe(42);
  });

  test("a command killed by a signal inside the sandbox reports 128+N", async () => {
    const p = await run(["sh", "-c", "echo ready; exec sleep 1000"]);
    await p.log.waitText("ready");
    await client.signal(p.proc, "SIGKILL");
    const exit = await p.log.waitExit();
    expect(exit.code).toBe(137);
  });

  test("kill ends the whole process tree", async () => {
    const p = await run(["sh", "-c", "sleep 1000 & sleep 1000 & echo started; wait"]);
    await p.log.waitText("started");
    const tree = await waitUntil("the sleeps to appear", () => {
      const pids = descendants(p.pid);
      return pids.length >= 4 && pids;
    });
    expect((await client.kill(p.proc)).ok).toBe(true);
    const exit = await p.log.waitExit();
    expect(exit.signal).toBe("SIGKILL");
    await waitUntil("every process of the tree to be gone", () =>
      [p.pid, ...tree].every((pid) => !isAlive(pid)),
    );
  });

  test("crash restart with exponential backoff, reported as events, then a final exit", async () => {
    const p = await run(["sh", "-c", "echo run; exit 3"], {
      restart: { max_restarts: 2, initial_delay_ms: 50, max_delay_ms: 1000 },
    });
    await p.log.waitExit();
    const kinds = p.log.events.map((e) => e.event);
    expect(kinds.filter((k) => k === "started").length).toBe(3);
    const scheduled = p.log.events.filter((e) => e.event === "restart_scheduled");
    expect(scheduled.map((e) => (e.event === "restart_scheduled" ? [e.attempt, e.delay_ms] : []))).toEqual([
      [1, 50],
      [2, 100],
    ]);
    const exits = p.log.events.filter((e) => e.event === "exit");
    expect(exits.map((e) => (e.event === "exit" ? [e.code, e.restarting] : []))).toEqual([
      [3, true],
      [3, true],
      [3, false],
    ]);
    expect(p.log.text()).toBe("run\nrun\nrun\n");
  });

  test("a clean exit is not restarted; kill stops a restart loop", async () => {
    const clean = await run(["true"], { restart: { max_restarts: 5, initial_delay_ms: 10 } });
    expect((await clean.log.waitExit()).code).toBe(0);
    expect(clean.log.events.filter((e) => e.event === "started").length).toBe(1);

    const loop = await run(["sh", "-c", "exit 1"], {
      restart: { max_restarts: 50, initial_delay_ms: 10_000 },
    });
    await loop.log.waitFor("restart scheduled", () =>
      loop.log.events.some((e) => e.event === "restart_scheduled"),
    );
    await client.kill(loop.proc);
    const exit = await loop.log.waitExit();
    expect(exit.restarting).toBe(false);
    expect(loop.log.events.filter((e) => e.event === "started").length).toBe(1);
  });

  test("per-user process cap, and kill_tag ends everything of one owner", async () => {
    const before = await client.list();
    expect(before.ok && before.value.processes.filter((p) => p.state !== "exited")).toEqual([]);
    const a = await run(["sleep", "1000"], { tag: "ses_owner_a" });
    const b = await run(["sleep", "1000"], { tag: "ses_owner_a" });
    const c = await run(["sleep", "1000"], { tag: "ses_owner_b" });
    const over = await client.spawn({ profile: "minimal", project: runner.project, argv: ["true"] });
    expect(over.ok).toBe(false);
    if (!over.ok) expect(over.error.code).toBe("process_limit");

    const killed = await client.killTag("ses_owner_a");
    expect(killed.ok && killed.value.killed.sort()).toEqual([a.proc, b.proc].sort());
    await a.log.waitExit();
    await b.log.waitExit();
    const listed = await client.list();
    expect(
      listed.ok && listed.value.processes.filter((p) => p.state === "running").map((p) => p.proc),
    ).toEqual([c.proc]);
    const again = await client.spawn({ profile: "minimal", project: runner.project, argv: ["true"] });
    expect(again.ok).toBe(true);
    await client.kill(c.proc);
    await c.log.waitExit();
  });

  test("status reports user, pid, uptime and live process count", async () => {
    const s = await client.status();
    if (!s.ok) throw new Error(s.error.message);
    expect(s.value.user).toBe("local");
    expect(s.value.pid).toBe(runner.proc.pid);
    expect(s.value.uptime_ms).toBeGreaterThan(0);
    expect(s.value.max_processes).toBe(3);
    expect(s.value.rss_bytes).toBeGreaterThan(0);
    // No agent and no shell here (the processes of these tests are plain pipes).
    expect({ agents: s.value.agents, terminals: s.value.terminals }).toEqual({ agents: 0, terminals: 0 });
  });
});

import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import type { RunnerEvent } from "../../src/protocol/runner.ts";
import type { RunnerClient } from "../../src/runners/client.ts";
import { EventLog, type LocalRunner, startLocalRunner, until, waitUntil } from "./harness.ts";

/** seq / ack / resume: nothing lost, nothing duplicated, across disconnects and a "server restart". */
setDefaultTimeout(60_000);
let runner: LocalRunner;
let client: RunnerClient;

beforeAll(async () => {
  runner = await startLocalRunner({ maxProcesses: 8 });
  client = await runner.client();
});
afterAll(async () => {
  if (runner.proc.exitCode !== null) console.error(runner.stderr());
  await runner.stop();
});

const decode = (events: RunnerEvent[]) =>
  events.map((e) => (e.event === "output" ? Buffer.from(e.data, "base64").toString() : "")).join("");

/** An echo process: each stdin line comes back on stdout. */
async function echoProcess() {
  const r = await client.spawn({
    profile: "minimal",
    project: runner.project,
    argv: ["sh", "-c", 'while read -r line; do echo "$line"; done'],
  });
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

describe("resume", () => {
  test("a dropped connection resumes after the last delivered event: every seq exactly once", async () => {
    const spawned = await client.spawn({
      profile: "minimal",
      project: runner.project,
      argv: ["seq", "1", "50000"],
    });
    if (!spawned.ok) throw new Error(spawned.error.message);
    const log = new EventLog();
    await client.subscribe(spawned.value.proc, 0, log.push);
    await log.waitFor("first output", () => log.events.some((e) => e.event === "output"));
    const seen: string[] = [];
    const reconnected = until(
      "reconnected",
      () => seen.join(",") === "connecting,connected",
      (wake) =>
        client.onStateChange((s) => {
          seen.push(s);
          wake();
        }),
    );
    client.reconnect();
    await reconnected;
    await log.waitExit();
    expect(log.events.map((e) => e.seq)).toEqual(log.events.map((_, i) => i + 1));
    const expected = `${Array.from({ length: 50000 }, (_, i) => i + 1).join("\n")}\n`;
    expect(decode(log.events)).toBe(expected);
    expect(client.connectionState).toBe("connected");
  });

  test("events produced while the connection is down arrive after the reconnect, once", async () => {
    const { proc } = await echoProcess();
    const control = await runner.client();
    const log = new EventLog();
    const states: string[] = [];
    client.onStateChange((s) => states.push(s));
    await client.subscribe(proc, 0, log.push);
    await control.write(proc, "before\n");
    await log.waitText("before\n");
    client.reconnect();
    for (const w of ["during1", "during2"]) await control.write(proc, `${w}\n`);
    await log.waitText("during2\n");
    await control.write(proc, "after\n");
    await log.waitText("after\n");
    expect(states).toEqual(["connecting", "connected"]);
    expect(decode(log.events)).toBe("before\nduring1\nduring2\nafter\n");
    expect(log.events.map((e) => e.seq)).toEqual(log.events.map((_, i) => i + 1));
    await control.kill(proc);
  });

  test("events produced while nobody listens wait for the subscriber; ack frees them and forgets the process", async () => {
    const { proc } = await echoProcess();
    for (const word of ["one", "two", "three"]) await client.write(proc, `${word}\n`);
    await client.closeStdin(proc);
    await waitUntil("the process to exit", async () => {
      const l = await client.list();
      return l.ok && l.value.processes.find((p) => p.proc === proc)?.state === "exited";
    });
    const log = new EventLog();
    await client.subscribe(proc, 0, log.push);
    await log.waitExit();
    expect(decode(log.events)).toBe("one\ntwo\nthree\n");
    const last = log.events.at(-1)?.seq as number;
    expect((await client.ack(proc, last)).ok).toBe(true);
    const listed = await client.list();
    expect(listed.ok && listed.value.processes.some((p) => p.proc === proc)).toBe(false);
  });

  test("subscribing after the last acked seq replays exactly the unacked events", async () => {
    const { proc } = await echoProcess();
    const first = new EventLog();
    await client.subscribe(proc, 0, first.push);
    for (const w of ["a", "b", "c", "d"]) await client.write(proc, `${w}\n`);
    await first.waitText("a\nb\nc\nd\n");
    const cOutput = first.events.find((e) => e.event === "output" && decode([e]).includes("b"));
    const ackAt = cOutput?.seq as number;
    await client.ack(proc, ackAt);
    await client.unsubscribe(proc);
    const second = new EventLog();
    await client.subscribe(proc, ackAt, second.push);
    await client.write(proc, "e\n");
    await second.waitText("e\n");
    expect(second.events[0]?.seq).toBe(ackAt + 1);
    expect(second.events.map((e) => e.seq)).toEqual(second.events.map((_, i) => ackAt + 1 + i));
    expect(decode([...first.events.filter((e) => e.seq <= ackAt), ...second.events])).toBe("a\nb\nc\nd\ne\n");
    await client.kill(proc);
  });

  test("a replay goes out in one socket write per 32 KiB of lines, not one write per event", async () => {
    const { proc } = await echoProcess();
    const live = new EventLog();
    await client.subscribe(proc, 0, live.push);
    // One output event per line: each is echoed before the next is written.
    for (let i = 1; i <= 100; i++) {
      await client.write(proc, `line-${i}\n`);
      await live.waitText(`line-${i}\n`);
    }
    const counts = async () => {
      const s = await client.status();
      if (!s.ok) throw new Error(s.error.message);
      return { lines: s.value.event_lines_sent ?? 0, writes: s.value.event_writes ?? 0 };
    };
    const before = await counts();
    // A restarted server has acknowledged nothing: all of it is replayed to it at once.
    const fresh = await runner.client();
    const log = new EventLog();
    await fresh.subscribe(proc, 0, log.push);
    await log.waitText("line-100\n");
    const after = await counts();
    expect(log.events.map((e) => e.seq)).toEqual(log.events.map((_, i) => i + 1));
    expect(after.lines - before.lines).toBeGreaterThanOrEqual(100);
    // ~15 KB of lines: one write (each line was a write of its own before).
    expect(after.writes - before.writes).toBe(1);
    fresh.close();
    await client.kill(proc);
  });

  test("the buffer bound drops the oldest unacked events and says so with one resync_needed marker", async () => {
    const spawned = await client.spawn({
      profile: "minimal",
      project: runner.project,
      argv: ["sh", "-c", 'while read -r line; do echo "$line"; done'],
      buffer_bytes: 4096,
    });
    if (!spawned.ok) throw new Error(spawned.error.message);
    const { proc } = spawned.value;
    // A live subscriber that never acks (a server that dies before storing): one event per line.
    const live = new EventLog();
    await client.subscribe(proc, 0, live.push);
    const pad = "x".repeat(60);
    for (let i = 1; i <= 100; i++) {
      await client.write(proc, `line-${i}-${pad}\n`);
      await live.waitText(`line-${i}-${pad}\n`);
    }
    // A restarted server has stored nothing: it resumes from 0 and is told exactly what is gone.
    const fresh = await runner.client();
    const log = new EventLog();
    await fresh.subscribe(proc, 0, log.push);
    await log.waitText(`line-100-${pad}\n`);
    const marker = log.events[0];
    if (marker?.event !== "resync_needed") throw new Error(`expected a marker first, got ${marker?.event}`);
    expect(marker.lost_from).toBe(1);
    expect(marker.seq).toBe(marker.lost_to);
    expect(marker.lost_to).toBeGreaterThan(50);
    expect(log.events.filter((e) => e.event === "resync_needed").length).toBe(1);
    expect(log.events.slice(1).map((e) => e.seq)).toEqual(
      log.events.slice(1).map((_, i) => marker.lost_to + 1 + i),
    );
    expect(decode(log.events)).not.toContain("line-1-");
    await client.kill(proc);
  });

  test("a process keeps running across a server restart; its output is delivered exactly once", async () => {
    const { proc } = await echoProcess();
    const stored: RunnerEvent[] = [];
    // "Server" #1: a separate process that stores then acks; it dies with SIGKILL mid-life.
    const server1 = Bun.spawn(
      [
        "bun",
        join(import.meta.dir, "fixtures/consumer.ts"),
        runner.files.socket,
        runner.files.serverSecret,
        "local",
        proc,
        "0",
      ],
      { stdout: "pipe", stderr: "pipe" },
    );
    let buffered = "";
    const wakers = new Set<() => void>();
    (async () => {
      for await (const chunk of server1.stdout) {
        buffered += Buffer.from(chunk).toString();
        const lines = buffered.split("\n");
        buffered = lines.pop() ?? "";
        for (const l of lines) stored.push(JSON.parse(l));
        for (const w of [...wakers]) w();
      }
    })();
    const storedText = () => decode(stored);
    const wait = (what: string, check: () => boolean) =>
      until(what, check, (w) => {
        wakers.add(w);
        return () => wakers.delete(w);
      });
    for (const w of ["a1", "a2", "a3", "a4", "a5"]) await client.write(proc, `${w}\n`);
    await wait("server 1 to store a1..a5", () => storedText().includes("a5\n"));
    server1.kill("SIGKILL");
    await server1.exited;

    // While no server is connected, the process keeps working.
    for (const w of ["b1", "b2", "b3"]) await client.write(proc, `${w}\n`);
    const listed = await client.list();
    expect(listed.ok && listed.value.processes.find((p) => p.proc === proc)?.state).toBe("running");

    // "Server" #2: resumes from what #1 stored (its database), in a fresh client.
    const lastStored = stored.at(-1)?.seq as number;
    const server2 = await runner.client();
    const log = new EventLog();
    await server2.subscribe(proc, lastStored, log.push);
    for (const w of ["c1", "c2"]) await client.write(proc, `${w}\n`);
    await log.waitText("c2\n");
    const all = [...stored, ...log.events];
    expect(all.map((e) => e.seq)).toEqual(all.map((_, i) => i + 1));
    expect(decode(all)).toBe("a1\na2\na3\na4\na5\nb1\nb2\nb3\nc1\nc2\n");
    await client.kill(proc);
  });

  test("ack beyond the last event and subscribe beyond it are refused", async () => {
    const { proc } = await echoProcess();
    const ack = await client.ack(proc, 999);
    expect(!ack.ok && ack.error.code).toBe("bad_request");
    const sub = await client.subscribe(proc, 999, () => {});
    expect(!sub.ok && sub.error.code).toBe("bad_request");
    await client.kill(proc);
  });
});

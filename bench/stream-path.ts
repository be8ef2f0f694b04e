/**
 * The server's fixed costs per streamed event, in-process and in CPU time (so a busy machine moves
 * them less than wall-clock figures): validating a runner line and its agent event, storing events
 * in the history at several batch sizes (one transaction per batch), and sending WebSocket frames
 * one by one or under a cork. Prints numbers; `bun bench/stream-path.ts [--events N] [--rounds N]`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import * as v from "valibot";
import { HistoryStore } from "../src/history/store.ts";
import { type AgentEvent, agentEventSchema, parseAgentEvent } from "../src/protocol/agent-events.ts";
import { newId } from "../src/protocol/ids.ts";
import { parseRunnerEvent, RunnerEventSchema } from "../src/protocol/runner.ts";
import { load } from "./stream/procs.ts";
import { f2, median } from "./stream/stats.ts";

const { values } = parseArgs({
  options: { events: { type: "string", default: "20000" }, rounds: { type: "string", default: "5" } },
});
const N = Number(values.events);
const ROUNDS = Number(values.rounds);
const say = (s: string) => console.log(s);

/** This process's CPU time (user + system), ms. */
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
/** Median over rounds of the CPU µs per event that `run` spends on `N` events. */
async function perEvent(run: () => void | Promise<void>): Promise<number> {
  const rounds: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t = cpuMs();
    await run();
    rounds.push(((cpuMs() - t) / N) * 1000);
  }
  return median(rounds);
}

say(
  `# bench/stream-path — ${new Date().toISOString()}, bun ${Bun.version}, ${N} events × ${ROUNDS} rounds; load ${load()}`,
);

// ── validation ──────────────────────────────────────────────────────────────────────────────────
const body = { event: "stream.text_delta", delta: "tok " };
const line = { event: "agent", proc: newId("prc"), seq: 1, body };
const scan = await perEvent(() => {
  for (let i = 0; i < N; i++) {
    v.safeParse(RunnerEventSchema, line);
    v.safeParse(agentEventSchema, body);
  }
});
const lookup = await perEvent(() => {
  for (let i = 0; i < N; i++) {
    parseRunnerEvent(line);
    parseAgentEvent(body);
  }
});
say(`\n## validating a runner line and its text delta (CPU µs per event)`);
say(`valibot variant (option by option): ${f2(scan)}; variantParser (lookup): ${f2(lookup)}`);

// ── history ─────────────────────────────────────────────────────────────────────────────────────
say(`\n## storing text deltas, one transaction per batch (CPU µs per event)`);
const dir = mkdtempSync(join(tmpdir(), "octo-bench-path-"));
const opened = HistoryStore.open(join(dir, "history.db"));
if (!opened.ok) throw new Error(opened.error.message);
const store = opened.value;
const session = { id: newId("ses"), project_id: newId("prj") };
const proc = newId("prc");
let sourceSeq = 0;
for (const size of [1, 3, 10, 30, 100]) {
  const us = await perEvent(() => {
    for (let i = 0; i < N / size; i++) {
      const events: AgentEvent[] = Array.from({ length: size }, () => ({
        event: "stream.text_delta",
        delta: "tok ",
      }));
      sourceSeq += size;
      store.appendMany([{ session, events, source: { proc, seq: sourceSeq } }]);
    }
  });
  say(`batches of ${size}: ${f2(us)} (${f2((us * 10_000) / 1000)} ms per 10k events)`);
}
store.close();
rmSync(dir, { recursive: true, force: true });

// ── WebSocket sends ─────────────────────────────────────────────────────────────────────────────
say(`\n## WebSocket frames to a local client, batches of 30 (CPU µs per frame, sending process)`);
let socket: Bun.ServerWebSocket<unknown> | null = null;
const server = Bun.serve({
  port: 0,
  fetch: (req, s) => (s.upgrade(req) ? undefined : new Response("no", { status: 400 })),
  websocket: {
    open: (ws) => {
      socket = ws;
    },
    message() {},
  },
});
// The reader is another process, as a browser would be.
const reader = Bun.spawn(
  ["bun", "-e", `const c = new WebSocket("ws://127.0.0.1:${server.port}"); c.onmessage = () => {};`],
  { stdout: "ignore", stderr: "inherit" },
);
while (!socket) await Bun.sleep(5); // waiting for the reader process to connect
const ws = socket as Bun.ServerWebSocket<unknown>;
const frame = (seq: number) =>
  `{"ch":"agent","session_id":"${session.id}","seq":${seq},"ts":1765000000000,"event":"stream.text_delta","delta":"tok "}`;
const sendAll = (cork: boolean) => async () => {
  for (let b = 0; b < N / 30; b++) {
    const batch = () => {
      for (let i = 0; i < 30; i++) ws.send(frame(b * 30 + i));
    };
    if (cork) ws.cork(batch);
    else batch();
    // one batch per event-loop turn, as the hub sends them; also lets the reader keep up
    await new Promise((r) => setImmediate(r));
  }
};
const plain = await perEvent(sendAll(false));
const corked = await perEvent(sendAll(true));
say(`one send per frame: ${f2(plain)}; under ws.cork per batch: ${f2(corked)}`);
reader.kill();
server.stop(true);
say(`\ndone; load ${load()}`);

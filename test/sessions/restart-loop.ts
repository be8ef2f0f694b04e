import { isAlive } from "../../src/shared/proctree.ts";
import { singleUserRunnerFiles } from "../../src/shared/runner-layout.ts";
import { Client } from "../http/client.ts";
import { startServerIn } from "../http/harness.ts";
import type { Frame } from "../terminals/harness.ts";
import { AgentTab, assertGapFree, descendantsOf, type SessionWorld } from "./harness.ts";

/**
 * Restart the server (and every other time its runner too) while an agent is answering, again and
 * again, on one session. Shared by `test/sessions/restart-loop.test.ts` (a few rounds in CI) and
 * `bench/restart-loop.ts` (50 rounds, by hand).
 *
 * Checked: no process of the test outlives its runner (after each runner stop, nothing on the
 * machine names the test's HOME, which every runner, sandbox, relay and pi of it does); every
 * answer ends (whole text where only the server restarted; an `agent.error` and `agent.idle`
 * where the runner took pi with it); the history holds each event exactly once, gap-free.
 */

export interface LoopRound {
  round: number;
  runner: "kept" | "SIGTERM" | "SIGKILL";
  /** The turn's text as stored: from its deltas, and in the assistant message that ends it. */
  text: string;
  final: string;
  /** The turn's event names, in order (for a failure's report). */
  events: string[];
  expected: string;
  ended: "whole" | "error";
  ms: number;
}

export interface LoopReport {
  rounds: LoopRound[];
  events: number;
  /** Processes naming the test's HOME found after a runner stopped (should be none). */
  strays: { round: number; pid: number; cmd: string }[];
}

const words = (round: number) =>
  Array.from({ length: 24 }, (_, i) => `r${round}w${i}`)
    .join(" ")
    .concat(".");

/** Wait (polling /proc) until nothing names `needle`; what is left at the deadline is returned. */
export async function waitNoProcesses(needle: string, ms = 20_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const left = descendantsOf(needle);
    if (left.length === 0 || Date.now() > deadline) return left;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function waitDead(pid: number, ms = 20_000) {
  const deadline = Date.now() + ms;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
}

export async function restartLoop(
  w: SessionWorld,
  projectId: string,
  rounds: number,
  onRound: (r: LoopRound) => void = () => {},
): Promise<LoopReport> {
  const report: LoopReport = { rounds: [], events: 0, strays: [] };
  const all: Frame[] = [];
  const cookie = w.admin.cookie;
  let tab = await AgentTab.open(w.t.url, cookie);
  const { session_id: s } = await tab.ok<{ session_id: string }>("session.create", { project_id: projectId });
  await tab.ok("session.subscribe", { session_id: s });

  for (let round = 1; round <= rounds; round++) {
    const started = Date.now();
    const expected = words(round);
    // The runner goes too in every round but the last (stopped or killed, in turn), so the rounds
    // exercise what a runner leaves behind; the last keeps it, and its agent answers whole through
    // the server's restart (model calls go to the LLM gateway, which no restart here touches).
    const runner = round === rounds ? "kept" : round % 2 === 1 ? "SIGTERM" : "SIGKILL";
    w.fx.enqueue([{ text: expected, chunks: 24, delayMs: 40 }]);
    const idlesBefore = [...all, ...tab.events(s)].filter((f) => f.event === "agent.idle").length;
    await tab.ok("prompt", { session_id: s, message: `round ${round}`, client_id: `loop-${round}` });
    // Mid-answer: the first words have reached the browser.
    await tab.mux
      .waitFor(`round ${round} streaming`, () => tab.text(s).includes(`r${round}w0`), 60_000)
      .catch((e) => {
        throw new Error(`${e}; last events: ${JSON.stringify(tab.events(s).slice(-12))}`);
      });
    all.push(...tab.events(s));
    await tab.close();

    await w.t.server.stop();
    if (runner !== "kept") {
      const socketDir = w.t.server.ctx.config.paths.socketDir;
      const pid = Number(await Bun.file(singleUserRunnerFiles(socketDir).pidFile).text());
      process.kill(pid, runner);
      await waitDead(pid);
      // Server and runner are both gone: nothing of this test may be left running.
      for (const p of await waitNoProcesses(w.t.home)) report.strays.push({ round, ...p });
    }
    const again = await startServerIn({ home: w.t.home, env: w.t.env });
    w.t.server = again.server;
    w.t.url = again.url;
    w.t.stop = again.stop;
    const admin = new Client(again.url);
    admin.cookie = cookie;
    w.admin = admin;

    tab = await AgentTab.open(again.url, cookie);
    const lastSeen = all.at(-1)?.seq as number;
    await tab.ok("session.subscribe", { session_id: s, after_seq: lastSeen });
    // The turn ends either way: streamed to the end, or closed with an error when pi went with its runner.
    await tab.mux.waitFor(
      `round ${round} ends`,
      () => [...all, ...tab.events(s)].filter((f) => f.event === "agent.idle").length > idlesBefore,
      120_000,
    );
    const turn = [...all, ...tab.events(s)].filter((f) => (f.seq as number) > 0);
    const sincePrompt = turn.slice(turn.findLastIndex((f) => isUserMessageEnd(f)) + 1);
    const text = sincePrompt
      .filter((f) => f.event === "stream.text_delta")
      .map((f) => String(f.delta))
      .join("");
    const errored = sincePrompt.some((f) => f.event === "agent.error");
    const final = sincePrompt
      .filter((f) => f.event === "stream.message_end")
      .flatMap((f) => (f.message as { parts: { type: string; text?: string }[] }).parts)
      .filter((p) => p.type === "text")
      .map((p) => p.text)
      .join("");
    const r: LoopRound = {
      round,
      runner,
      text,
      final,
      events: sincePrompt.map((f) => `${f.seq}:${f.event}`),
      expected,
      ended: errored ? "error" : "whole",
      ms: Date.now() - started,
    };
    report.rounds.push(r);
    onRound(r);
  }
  all.push(...tab.events(s));
  await tab.close();

  // Exactly once: a fresh replay from the start equals what the live sockets saw, seq by seq.
  const replay = await AgentTab.open(w.t.url, cookie);
  await replay.ok("session.subscribe", { session_id: s, after_seq: 0 });
  const last = all.at(-1)?.seq as number;
  await replay.mux.waitFor("full replay", () => replay.events(s).at(-1)?.seq === last, 60_000);
  const stored = replay.events(s);
  assertGapFree(stored);
  assertGapFree(all);
  const strip = (f: Frame) => JSON.stringify({ ...f, ts: undefined });
  for (let i = 0; i < stored.length; i++) {
    if (strip(stored[i] as Frame) !== strip(all[i] as Frame))
      throw new Error(`replay differs from the live stream at seq ${stored[i]?.seq}`);
  }
  if (stored.length !== all.length) throw new Error(`replay has ${stored.length} events, live ${all.length}`);
  report.events = stored.length;
  await replay.close();
  return report;
}

const isUserMessageEnd = (f: Frame) =>
  f.event === "stream.message_end" && (f.message as { role?: string } | undefined)?.role === "user";

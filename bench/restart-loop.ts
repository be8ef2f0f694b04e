/**
 * The restart loop of `test/sessions/restart-loop.test.ts`, longer (run by hand:
 * `bun bench/restart-loop.ts [--rounds N]`, default 50): the server and, in all rounds but the last,
 * the runner are restarted (SIGTERM and SIGKILL in turn) while an agent answers. Prints each round
 * and whether anything was left running, any answer did not end, or any event was not stored once.
 */
import { parseArgs } from "node:util";
import { createProject, startWorld } from "../test/sessions/harness.ts";
import { restartLoop, waitNoProcesses } from "../test/sessions/restart-loop.ts";
import { load } from "./stream/procs.ts";

const { values } = parseArgs({ options: { rounds: { type: "string", default: "50" } } });
const rounds = Number(values.rounds);
const w = await startWorld();
const projectId = await createProject(w.admin, "Restart Loop");
console.log(`restart loop: ${rounds} rounds (load ${load()})`);
const t0 = Date.now();
const report = await restartLoop(w, projectId, rounds, (r) => {
  const ok = r.runner === "kept" ? r.text === r.expected && r.ended === "whole" : r.ended === "error";
  console.log(
    `round ${r.round}: runner ${r.runner}, ended ${r.ended}, ${r.text.length}/${r.expected.length} chars, ${(r.ms / 1000).toFixed(1)} s${ok ? "" : "  <-- UNEXPECTED"}`,
  );
});
const home = w.t.home;
await w.stop();
const left = await waitNoProcesses(home);
console.log(
  `\n${report.rounds.length} rounds in ${((Date.now() - t0) / 1000).toFixed(0)} s; ${report.events} events, replayed exactly once; strays after runner stops: ${report.strays.length}; left at the end: ${left.length} (load ${load()})`,
);
for (const p of [...report.strays, ...left]) console.log(`  stray ${p.pid}: ${p.cmd.slice(0, 160)}`);
process.exit(0);

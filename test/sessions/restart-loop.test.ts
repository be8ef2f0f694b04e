import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { createProject, type SessionWorld, startWorld } from "./harness.ts";
import { restartLoop, waitNoProcesses } from "./restart-loop.ts";

/** Rounds here (CI); `bun bench/restart-loop.ts` runs 50 by hand. */
const ROUNDS = Number(process.env.OCTO_RESTART_LOOP_ROUNDS ?? 5);

setDefaultTimeout(ROUNDS * 120_000);
let w: SessionWorld;
let projectId: string;

beforeAll(async () => {
  w = await startWorld();
  projectId = await createProject(w.admin, "Restart Loop");
});
let stopped = false;
afterAll(async () => {
  if (!stopped) await w?.stop();
});

test(`restarting server and runner mid-answer ${ROUNDS} times: every answer ends, every event once, nothing outlives its runner`, async () => {
  const report = await restartLoop(w, projectId, ROUNDS);
  expect(report.strays).toEqual([]);
  for (const r of report.rounds) {
    // Only the server restarted: the agent kept answering and the answer arrived whole.
    if (r.runner === "kept")
      expect({ round: r.round, text: r.text, ended: r.ended }).toEqual({
        round: r.round,
        text: r.expected,
        ended: "whole",
      });
    // The runner went and took pi: the turn is closed with an error, and the text is a prefix.
    else {
      expect(r.ended).toBe("error");
      expect(r.expected.startsWith(r.text)).toBe(true);
    }
  }
  // Each round streamed before its restart (at least the prompt, a delta, the turn's end): how far an
  // answer gets before the cut depends on the machine's speed, so only a floor is asserted.
  expect(report.events).toBeGreaterThanOrEqual(ROUNDS * 6);

  // And at the end, nothing of the test is left once its server and runner stop.
  const home = w.t.home;
  stopped = true;
  await w.stop();
  expect(await waitNoProcesses(home)).toEqual([]);
});

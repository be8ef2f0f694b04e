import type { CheckRow } from "../../../src/protocol/sandbox.ts";
import { ATTEMPTS, runAttempt } from "./attempts.ts";
import { createEscapeFixture } from "./fixture.ts";
import { selfCommand } from "./probe-run.ts";

/** Runs every attempt against every profile it names; rows arrive one by one through `onRow`. */
export async function runBattery(
  onRow: (row: CheckRow) => void,
  sandboxCommand = selfCommand(),
): Promise<CheckRow[]> {
  const fx = await createEscapeFixture();
  const rows: CheckRow[] = [];
  try {
    for (const attempt of ATTEMPTS) {
      for (const profile of attempt.profiles) {
        const row = await runAttempt(fx, attempt, profile, sandboxCommand);
        rows.push(row);
        onRow(row);
      }
    }
  } finally {
    await fx.cleanup();
  }
  return rows;
}

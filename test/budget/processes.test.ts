// The budget gate's decisions hold across processes (decision 0023): several processes admitting
// calls for one user against one database at once reserve no more than the limit plus one call,
// because each decision holds SQLite's write lock (BEGIN IMMEDIATE).

import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { reservationsRepo, userLimitsRepo } from "../../src/storage/budgets.ts";
import { openMainDb } from "../../src/storage/main-db.ts";
import { addUser } from "../llm/setup.ts";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "octo-budget-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("4 processes × 60 admissions at $0.01 each against a $1.00 budget: 100 or 101 admitted in all", async () => {
  const path = join(dir, "octo.db");
  const opened = openMainDb(path);
  if (!opened.ok) throw new Error(opened.error.message);
  const db = opened.value;
  const user = addUser(db, "erin");
  userLimitsRepo(db).put({
    user_id: user,
    user_monthly_usd: 1,
    session_usd: null,
    user_rpm: null,
    updated_at: Date.now(),
    updated_by: null,
  });
  const workers = Array.from({ length: 4 }, () =>
    Bun.spawn(["bun", join(import.meta.dir, "admit-worker.ts"), path, user, "ses_shared", "60"], {
      stdin: "pipe",
      stdout: "pipe",
      stderr: "inherit",
    }),
  );
  const lines = workers.map((w) => w.stdout.getReader());
  const decoder = new TextDecoder();
  const readLine = async (r: ReadableStreamDefaultReader<Uint8Array>) => {
    let text = "";
    while (!text.includes("\n")) {
      const next = await r.read();
      if (next.done) break;
      text += decoder.decode(next.value);
    }
    return text.trim();
  };
  expect(await Promise.all(lines.map(readLine))).toEqual(["ready", "ready", "ready", "ready"]);
  for (const w of workers) {
    w.stdin.write("go\n");
    w.stdin.flush();
  }
  const admitted = (await Promise.all(lines.map(readLine))).map(Number);
  for (const w of workers) expect(await w.exited).toBe(0);
  const total = admitted.reduce((a, b) => a + b, 0);
  // Each process got some (they ran at once), and together no more than the limit plus one call.
  expect(admitted.filter((n) => n > 0).length).toBeGreaterThan(1);
  expect(total).toBeGreaterThanOrEqual(100);
  expect(total).toBeLessThanOrEqual(101);
  expect(reservationsRepo(db).userReserved(user, Date.now())).toBeLessThanOrEqual(1.01 + 1e-9);
  db.close();
}, 60_000);

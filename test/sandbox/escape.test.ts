import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { ATTEMPTS, runAttempt } from "../../runner/sandbox/escape/attempts.ts";
import { createEscapeFixture, type EscapeFixture } from "../../runner/sandbox/escape/fixture.ts";

/**
 * The escape battery (the same attempts `octo-sandbox check` runs), as root with real `octo_*`
 * accounts: every attempt must be refused inside user A's sandbox AND succeed as a positive control
 * outside it. Rows only skip where the host itself makes the control impossible (reported).
 */
const isRoot = process.getuid?.() === 0;
const SANDBOX_CLI = [process.execPath, join(import.meta.dir, "../../runner/sandbox/main.ts")];

let fx: EscapeFixture;
beforeAll(async () => {
  if (isRoot) fx = await createEscapeFixture();
});
afterAll(async () => {
  await fx?.cleanup();
});

describe.skipIf(!isRoot)("escape battery", () => {
  for (const attempt of ATTEMPTS) {
    for (const profile of attempt.profiles) {
      test(`${profile}: ${attempt.title}`, async () => {
        const row = await runAttempt(fx, attempt, profile, SANDBOX_CLI);
        if (row.outcome === "skip") {
          console.warn(`skipped ${row.id}/${profile}: ${row.title}`);
          return;
        }
        expect({ id: row.id, control: row.control.split(":")[0] }).toEqual({ id: row.id, control: "ok" });
        expect({ id: row.id, inside: row.inside.split(":")[0] }).toEqual({ id: row.id, inside: "denied" });
        expect(row.outcome).toBe("pass");
      }, 60_000);
    }
  }

  test("the egress log has one JSON line per attempt, allowed and denied", async () => {
    const text = await Bun.file(join(fx.sharedDir, `egress-${fx.a.name}.jsonl`)).text();
    const lines = text
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    const denied = lines.filter((l) => !l.allowed).map((l) => l.reason);
    expect(denied).toContain("host not allow-listed");
    expect(denied).toContain("ip literal not allow-listed");
    expect(denied).toContain("resolves to a private address");
    expect(denied).toContain("host contains forbidden characters");
    expect(denied).toContain("port not allowed");
    const allowed = lines.find((l) => l.allowed);
    expect(allowed).toMatchObject({
      user: fx.a.name,
      host: "allowed.octo.test",
      address: fx.webAddress,
      method: "CONNECT",
    });
  });
});

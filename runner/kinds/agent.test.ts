import { expect, test } from "bun:test";
import { ok } from "../../src/protocol/errors.ts";
import { AGENT_START_WAIT_MS, afterStart, agentStartWaitMs } from "./agent.ts";

test("a command waits for pi's start, then runs", async () => {
  let start!: () => void;
  const started = new Promise<void>((r) => {
    start = r;
  });
  let ran = 0;
  const r = afterStart(started, 60_000, async () => {
    ran++;
    return ok("sent");
  });
  expect(ran).toBe(0);
  start();
  expect(await r).toEqual(ok("sent"));
  expect(ran).toBe(1);
});

test("a command whose wait for pi's start runs out is refused, and never sent once pi starts later", async () => {
  let start!: () => void;
  const started = new Promise<void>((r) => {
    start = r;
  });
  let ran = 0;
  const r = await afterStart(started, 20, async () => {
    ran++;
    return ok("sent");
  });
  expect(r).toMatchObject({ ok: false, error: { code: "runner_unavailable" } });
  expect(!r.ok && r.error.message).toContain("not sent");
  start();
  await started;
  await Promise.resolve();
  expect(ran).toBe(0);
});

test("the runner gives up on a start before the server gives up on the command", async () => {
  const { AGENT_COMMAND_TIMEOUT_MS } = await import("../../src/sessions/agent-link.ts");
  expect(AGENT_START_WAIT_MS).toBeLessThan(AGENT_COMMAND_TIMEOUT_MS);
});

test("OCTO_AGENT_START_WAIT_MS can only shorten the wait; anything else stops the runner at start", () => {
  expect(agentStartWaitMs({})).toBe(AGENT_START_WAIT_MS);
  expect(agentStartWaitMs({ OCTO_AGENT_START_WAIT_MS: "" })).toBe(AGENT_START_WAIT_MS);
  expect(agentStartWaitMs({ OCTO_AGENT_START_WAIT_MS: "3000" })).toBe(3000);
  expect(agentStartWaitMs({ OCTO_AGENT_START_WAIT_MS: String(AGENT_START_WAIT_MS) })).toBe(
    AGENT_START_WAIT_MS,
  );
  for (const bad of ["0", "-5", "1.5", "3s", " 3000", String(AGENT_START_WAIT_MS + 1), "1e3"])
    expect(() => agentStartWaitMs({ OCTO_AGENT_START_WAIT_MS: bad })).toThrow(
      `OCTO_AGENT_START_WAIT_MS must be a whole number of milliseconds from 1 to ${AGENT_START_WAIT_MS}`,
    );
});

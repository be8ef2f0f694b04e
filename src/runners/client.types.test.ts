import { expect, test } from "bun:test";
import type { RunnerCalls, SystemCalls } from "../protocol/runner.ts";
import { RunnerClient } from "./client.ts";
import type { SystemClient } from "./system-client.ts";

/**
 * `call` is typed per op, parameters included: `tsc --noEmit` (in `bun run check`) fails if any
 * `@ts-expect-error` line below stops being an error. The calls never run.
 */
function compileTimeChecks(client: RunnerClient, system: SystemClient) {
  void client.call("spawn", { user: "alice", profile: "minimal", project: "/w/p", argv: ["pi"] });
  void client.call("kill", { proc: "prc_1" });
  void client.call("status", {});
  void client.call("ack", { proc: "prc_1", seq: 3 });
  void system.call("ensure_user", { name: "alice" });
  void system.call("status", {});

  // @ts-expect-error spawn needs argv
  void client.call("spawn", { user: "alice", profile: "minimal", project: "/w/p" });
  // @ts-expect-error argv is a list of strings
  void client.call("spawn", { user: "alice", profile: "minimal", project: "/w/p", argv: "pi" });
  // @ts-expect-error kill takes a proc, not a tag
  void client.call("kill", { tag: "ses_1" });
  // @ts-expect-error ack's seq is a number
  void client.call("ack", { proc: "prc_1", seq: "3" });
  // @ts-expect-error no such op
  void client.call("launch", {});
  // @ts-expect-error an unknown signal name
  void client.signal("prc_1", "SIGBOGUS");
  // @ts-expect-error delete_user needs purge
  void system.call("delete_user", { name: "alice" });

  const spawned = client.call("spawn", { user: "a", profile: "p", project: "/p", argv: ["x"] });
  void spawned.then((r) => {
    if (r.ok) {
      const proc: string = r.value.proc;
      // @ts-expect-error spawn's result has no `killed`
      void r.value.killed;
      void proc;
    }
  });
  const params: RunnerCalls["subscribe"]["params"] = { proc: "prc_1", after_seq: 0 };
  const result: SystemCalls["stop_runner"]["result"] = { name: "a", stopped: true };
  return [params, result];
}

test("a call on a client that never connected is a runner_unavailable value, typed like the op's result", async () => {
  const client = new RunnerClient({ user: "alice", socketPath: "/nonexistent", secretFile: "/nonexistent" });
  const r = await client.call("kill_tag", { tag: "ses_x" });
  expect(r.ok).toBe(false);
  if (!r.ok) expect(r.error.code).toBe("runner_unavailable");
  expect(typeof compileTimeChecks).toBe("function");
});

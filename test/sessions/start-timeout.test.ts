import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { AgentTab, createProject, piOf, type SessionWorld, startWorld } from "./harness.ts";

setDefaultTimeout(400_000);
/** The runner's wait for pi's start, shortened from its 100 s default so the test takes seconds. */
const START_WAIT_MS = 3_000;
let w: SessionWorld;
let projectId: string;
beforeAll(async () => {
  // Read by the runner this world's server starts; the other files in this group run after
  // afterAll, with the default.
  process.env.OCTO_AGENT_START_WAIT_MS = String(START_WAIT_MS);
  w = await startWorld();
  projectId = await createProject(w.admin, "Start Timeout");
});
afterAll(async () => {
  delete process.env.OCTO_AGENT_START_WAIT_MS;
  await w?.stop();
});

test("a prompt whose agent does not start in time is refused and never run later", async () => {
  const tab = await AgentTab.open(w.t.url, w.admin.cookie);
  const { session_id } = await tab.ok<{ session_id: string }>("session.create", { project_id: projectId });
  await tab.ok("session.subscribe", { session_id, after_seq: 0 });
  // Polled on the event loop until pi appears (it must be frozen before it answers anything).
  let pid = piOf(session_id);
  while (pid === undefined) {
    await Bun.sleep(5);
    pid = piOf(session_id);
  }
  process.kill(pid, "SIGSTOP");
  const r = await tab.cmd("prompt", { session_id, message: "frozen", client_id: "to-1" }, 300_000);
  process.kill(pid, "SIGCONT");
  expect(r).toMatchObject({ ok: false, error: { code: "runner_unavailable" } });
  // The runner's refusal (not the server giving up), after the shortened wait.
  expect(r.error?.message).toContain(`did not start within ${START_WAIT_MS / 1000} s`);
  await tab.waitEvent(session_id, (f) => f.event === "session.state", "state", 120_000);
  // pi is up: a prompt the runner still held would run now. The next prompt runs alone.
  w.fx.enqueue([{ text: "the only answer" }]);
  const next = await tab.cmd("prompt", { session_id, message: "after thaw", client_id: "to-2" });
  expect(next.ok).toBe(true);
  await tab.waitIdle(session_id, 1, 120_000);
  const chats = w.fx.requests.filter((q) => q.kind === "chat");
  expect(chats.map((q) => q.lastUserText)).toEqual(["after thaw"]);
  await tab.close();
});

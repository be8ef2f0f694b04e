import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import type { Schedule } from "../../src/protocol/schedules.ts";
import { AgentTab, createProject, type SessionWorld, startWorld } from "../sessions/harness.ts";

/**
 * `octo-tool schedule propose` from a real agent in its sandbox, over the tool socket: the schedule
 * is stored as a proposal in the session's project and does not run until its person confirms it.
 */
setDefaultTimeout(200_000);

let w: SessionWorld;
let tab: AgentTab;
let project: string;
let session: string;
let prompts = 0;

beforeAll(async () => {
  w = await startWorld();
  project = await createProject(w.admin, "Ops");
  tab = await AgentTab.open(w.t.url, w.admin.cookie);
  session = (await tab.ok<{ session_id: string }>("session.create", { project_id: project })).session_id;
  await tab.ok("session.subscribe", { session_id: session });
  await tab.waitEvent(session, (f) => f.event === "session.state", "session.state", 150_000);
});
afterAll(async () => {
  await tab?.close();
  await w?.stop();
});

async function agentRuns(command: string): Promise<{ output: string; isError: boolean }> {
  w.fx.enqueue([{ toolCall: { name: "bash", args: { command } } }], [{ text: "done" }]);
  const idles = tab.events(session).filter((f) => f.event === "agent.idle").length;
  await tab.ok("prompt", { session_id: session, message: `run ${command}`, client_id: `p-${++prompts}` });
  await tab.waitIdle(session, idles + 1, 150_000);
  const end = tab
    .events(session)
    .filter((f) => f.event === "tool.end")
    .at(-1);
  if (!end) throw new Error("no tool.end");
  return { output: String(end.output), isError: end.is_error === true };
}

const schedules = async () =>
  (await w.admin.get<{ schedules: Schedule[] }>(`/api/projects/${project}/schedules`)).body.schedules;

test("the agent proposes; the person sees it as a proposal, it has no next run until confirmed", async () => {
  const r = await agentRuns(
    `octo-tool schedule propose --name "Commit digest" --cron "0 9 * * 1-5" --tz Europe/Berlin --prompt "summarise yesterday's commits"`,
  );
  expect(r.isError).toBe(false);
  expect(r.output).toMatch(
    /Proposed schedule sch_[0-9a-f]{28} "Commit digest": 0 9 \* \* 1-5 \(Europe\/Berlin\)/,
  );
  expect(r.output).toContain("does not run before that");
  const [proposal] = await schedules();
  expect(proposal).toMatchObject({
    name: "Commit digest",
    state: "proposed",
    next_run_at: null,
    proposed_by: session,
    prompt: "summarise yesterday's commits",
  });
  const id = (proposal as Schedule).id;
  const run = await w.admin.post(`/api/projects/${project}/schedules/${id}/run`);
  expect([run.status, run.code]).toEqual([409, "conflict"]);
  const confirmed = await w.admin.post<{ schedule: Schedule }>(
    `/api/projects/${project}/schedules/${id}/confirm`,
  );
  expect(confirmed.body.schedule.state).toBe("active");
  expect(confirmed.body.schedule.next_run_at).toBeGreaterThan(Date.now());
  const again = await w.admin.post(`/api/projects/${project}/schedules/${id}/confirm`);
  expect(again.status).toBe(409);
});

test("a bad cron or zone fails the tool with one line and stores nothing; rejecting deletes a proposal", async () => {
  const before = (await schedules()).length;
  const bad = await agentRuns(`octo-tool schedule propose --name x --cron "0 99 * * *" --prompt p`);
  expect(bad.isError).toBe(true);
  expect(bad.output).toContain("octo-tool: validation_failed: cron:");
  const zone = await agentRuns(
    `octo-tool schedule propose --name x --cron "@daily" --tz Moon/Base --prompt p`,
  );
  expect(zone.output).toContain("unknown time zone");
  expect(await schedules()).toHaveLength(before);
  const ok = await agentRuns(`octo-tool schedule propose --name Tmp --cron "@daily" --prompt p`);
  expect(ok.isError).toBe(false);
  const tmp = (await schedules()).find((s) => s.name === "Tmp") as Schedule;
  expect((await w.admin.delete(`/api/projects/${project}/schedules/${tmp.id}`)).status).toBe(200);
  expect(await schedules()).toHaveLength(before);
});

import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import type { Schedule, ScheduleRun } from "../../src/protocol/schedules.ts";
import { Client } from "../http/client.ts";
import { startServerIn } from "../http/harness.ts";
import { AgentTab, createProject, type SessionWorld, startWorld } from "../sessions/harness.ts";
import { runEnded } from "./harness.ts";

/**
 * The real server stopped and started while a scheduled run's agent is answering: the runner keeps
 * the agent going, the new server catches up, and the run is recorded once, finished.
 */
setDefaultTimeout(240_000);

let w: SessionWorld;
let project: string;

beforeAll(async () => {
  w = await startWorld();
  project = await createProject(w.admin, "Restarts");
});
afterAll(async () => {
  await w?.stop();
});

test("a server restart in the middle of a run: the run finishes and is recorded once", async () => {
  const s = (
    await w.admin.post<{ schedule: Schedule }>(`/api/projects/${project}/schedules`, {
      name: "Long answer",
      cron: "0 0 1 1 *",
      timezone: "UTC",
      prompt: "count slowly",
    })
  ).body.schedule;
  const text = "one two three four five six seven eight nine ten eleven twelve";
  w.fx.enqueue([{ text, chunks: 24, delayMs: 120 }]);
  const run = (await w.admin.post<{ run: ScheduleRun }>(`/api/projects/${project}/schedules/${s.id}/run`))
    .body.run;
  const heard: string[] = [];
  w.t.server.ctx.services.schedules.events.on((e) => heard.push(`${e.type} ${e.run.id}`));
  // Wait until the answer is streaming, then stop the server under it.
  await w.fx.waitForRequest((r) => r.lastUserText === "count slowly", 150_000);
  const session = runSession(run.id) as string;
  expect(session).toMatch(/^ses_/);
  const tab = await AgentTab.open(w.t.url, w.admin.cookie);
  await tab.ok("session.subscribe", { session_id: session });
  await tab.mux.waitFor("some deltas", () => tab.text(session).length > 0, 150_000);
  await tab.close();
  await w.t.server.stop();
  expect(heard).toEqual([]);

  const again = await startServerIn({ home: w.t.home, env: w.t.env });
  w.t.server = again.server;
  w.t.url = again.url;
  w.t.stop = again.stop;
  const admin = new Client(again.url);
  await admin.login(w.t.admin.username, w.t.admin.password);
  w.admin = admin;
  const again_heard: string[] = [];
  again.server.ctx.services.schedules.events.on((e) => again_heard.push(`${e.type} ${e.run.id}`));

  const ended = await runEnded(w, admin, project, run.id);
  expect([ended.outcome, ended.session_id]).toEqual(["ok", session]);
  const runs = (await admin.get<{ runs: ScheduleRun[] }>(`/api/projects/${project}/runs`)).body.runs;
  expect(runs.map((r) => [r.id, r.outcome])).toEqual([[run.id, "ok"]]);
  // The whole answer is in the conversation, once.
  const after = await AgentTab.open(again.url, admin.cookie);
  await after.ok("session.subscribe", { session_id: session });
  await after.waitIdle(session);
  expect(after.text(session)).toBe(text);
  await after.close();
  expect(again_heard.filter((h) => h.endsWith(run.id)).length).toBeLessThanOrEqual(1);
});

/** The session a run opened, once it has one (read from the server's own run record). */
function runSession(runId: string): string | undefined {
  const r = w.t.server.ctx.services.schedules.schedules.runs(
    { userId: usersOf(), projectId: project },
    { limit: 10 },
  );
  return r.ok ? (r.value.find((x) => x.id === runId)?.session_id ?? undefined) : undefined;
}

const usersOf = () =>
  w.t.server.ctx.services.admin.users().find((u) => u.username === w.t.admin.username)?.id ?? "";

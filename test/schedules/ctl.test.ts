import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import type { AdminSchedule, Schedule, ScheduleRun } from "../../src/protocol/schedules.ts";
import { runCli } from "../cli/run.ts";
import { Client } from "../http/client.ts";
import { addUser } from "../http/harness.ts";
import { createProject, type SessionWorld, startWorld } from "../sessions/harness.ts";
import { runEnded } from "./harness.ts";

/** `octoctl schedule list|run|pause` as a real subprocess over the admin socket. */
setDefaultTimeout(200_000);

let w: SessionWorld;
let carol: Client;
let project: string;
let schedule: Schedule;

beforeAll(async () => {
  w = await startWorld();
  await addUser(w.admin, "carol", "carol-password-1");
  carol = new Client(w.t.url);
  await carol.login("carol", "carol-password-1");
  project = await createProject(carol, "Reports");
  const r = await carol.post<{ schedule: Schedule }>(`/api/projects/${project}/schedules`, {
    name: "Weekly report",
    cron: "0 9 * * 1",
    timezone: "Europe/Berlin",
    prompt: "write the weekly report",
  });
  schedule = r.body.schedule;
});
afterAll(async () => {
  await w?.stop();
});

const ctl = (args: string[]) => runCli(["ctl", ...args], w.t.env);

test("schedule list shows every user's schedules with owner, cron, zone and next run", async () => {
  const human = await ctl(["schedule", "list"]);
  expect(human.code).toBe(0);
  expect(human.stdout).toMatch(/SCHEDULE\s+USER\s+NAME\s+WHEN\s+STATE\s+NEXT RUN\s+RUNNING/);
  expect(human.stdout).toContain(schedule.id);
  expect(human.stdout).toMatch(/carol\s+Weekly report\s+0 9 \* \* 1 \(Europe\/Berlin\)\s+active/);
  const json = JSON.parse((await ctl(["schedule", "list", "--json"])).stdout) as {
    schedules: AdminSchedule[];
  };
  expect(json.schedules.find((s) => s.id === schedule.id)).toMatchObject({
    username: "carol",
    running: false,
  });
});

test("schedule pause and --resume change the owner's schedule; run starts a real run under the owner", async () => {
  const paused = await ctl(["schedule", "pause", schedule.id]);
  expect([paused.code, paused.stdout.trim()]).toEqual([0, `paused Weekly report (${schedule.id})`]);
  const seen = await carol.get<{ schedule: Schedule }>(`/api/projects/${project}/schedules/${schedule.id}`);
  expect(seen.body.schedule.state).toBe("paused");
  expect((await ctl(["schedule", "pause", schedule.id, "--resume"])).code).toBe(0);

  w.fx.enqueue([{ text: "Report done." }]);
  const started = await ctl(["schedule", "run", schedule.id, "--json"]);
  expect(started.code).toBe(0);
  const run = (JSON.parse(started.stdout) as { run: ScheduleRun }).run;
  const ended = await runEnded(w, carol, project, run.id);
  expect(ended.outcome).toBe("ok");
  // The conversation is carol's, in her project.
  const session = await carol.get<{ session: { title: string } }>(`/api/sessions/${ended.session_id}`);
  expect(session.body.session.title).toBe("Weekly report");
});

test("unknown ids and missing arguments are clear errors", async () => {
  const missing = await ctl(["schedule", "run", "sch_00000000000000000000000000000000"]);
  expect([missing.code, missing.stderr.trim()]).toEqual([1, "octoctl: no such schedule"]);
  expect((await ctl(["schedule", "run"])).code).toBe(2);
});

import { afterEach, describe, expect, test } from "bun:test";
import type { ScheduleRun } from "../protocol/schedules.ts";
import { scheduleWorld } from "./test-world.ts";

type World = ReturnType<typeof scheduleWorld>;
let w: World;
afterEach(() => w?.close());

const T = (iso: string) => Date.parse(iso);
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** Every run the world's project has, oldest due first. */
const runs = (): ScheduleRun[] => {
  const r = w.module.schedules.runs(w.scope, { limit: 999 });
  if (!r.ok) throw new Error(r.error.message);
  return [...r.value].reverse();
};

/** After each timer: let launches finish, then end every turn the stand-in agent was given. */
const finishingEach = async () => {
  await w.settle();
  for (const p of w.agents.prompts.splice(0)) w.agents.finish(w.userId, p.sessionId);
};
const justSettle = () => w.settle();

function create(input: Record<string, unknown>) {
  const r = w.module.schedules.create(w.scope, { name: "Digest", prompt: "summarise", ...input } as never);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

describe("cron in a time zone", () => {
  test("weekdays 09:00 Europe/Berlin run at 09:00 local on both sides of the October DST change", async () => {
    w = scheduleWorld(T("2026-10-21T12:00:00Z"));
    w.module.start();
    create({ cron: "0 9 * * 1-5", timezone: "Europe/Berlin" });
    await w.clock.advanceTo(T("2026-10-28T12:00:00Z"), finishingEach);
    const got = runs();
    expect(got.map((r) => iso(r.due_at))).toEqual([
      "2026-10-22T07:00:00.000Z", // CEST (UTC+2)
      "2026-10-23T07:00:00.000Z",
      "2026-10-26T08:00:00.000Z", // CET (UTC+1) after Sunday 25 October
      "2026-10-27T08:00:00.000Z",
      "2026-10-28T08:00:00.000Z",
    ]);
    // On a fake clock a timer fires exactly when due: no lateness, and each run is a finished conversation.
    for (const r of got) {
      expect(r.started_at).toBe(r.due_at);
      expect(r.outcome).toBe("ok");
      expect(r.trigger).toBe("cron");
      expect(r.session_id).toMatch(/^ses_/);
    }
    expect(w.heard.filter((e) => e.type === "run.finished")).toHaveLength(5);
  });

  test("02:30 daily in Europe/Berlin runs once on the spring-forward Sunday (at 03:00) and once on the fall-back Sunday", async () => {
    w = scheduleWorld(T("2026-03-27T12:00:00Z"));
    w.module.start();
    const s = create({ cron: "30 2 * * *", timezone: "Europe/Berlin" });
    await w.clock.advanceTo(T("2026-03-30T12:00:00Z"), finishingEach);
    expect(runs().map((r) => iso(r.due_at))).toEqual([
      "2026-03-28T01:30:00.000Z", // 02:30 CET
      "2026-03-29T01:00:00.000Z", // 02:30 does not exist on 29 March: 03:00 CEST
      "2026-03-30T00:30:00.000Z", // 02:30 CEST
    ]);
    w.module.schedules.update(w.scope, s.id, {}); // recomputed from "now": still the next 02:30
    await w.clock.advanceTo(T("2026-10-23T12:00:00Z"));
    // A fresh schedule in October (the pause in between is not what this test is about).
    w.module.schedules.delete(w.scope, s.id);
    const before = runs().length;
    create({ cron: "30 2 * * *", timezone: "Europe/Berlin" });
    await w.clock.advanceTo(T("2026-10-26T12:00:00Z"), finishingEach);
    expect(
      runs()
        .slice(before)
        .map((r) => iso(r.due_at)),
    ).toEqual([
      "2026-10-24T00:30:00.000Z", // 02:30 CEST
      "2026-10-25T00:30:00.000Z", // 02:30 happens twice on 25 October: it runs once
      "2026-10-26T01:30:00.000Z", // 02:30 CET
    ]);
  });

  test("the preview and next_run_at come from the same croner plan; bad expressions and zones are refused", () => {
    w = scheduleWorld(T("2026-01-05T00:00:00Z"));
    const s = create({ cron: "*/15 * * * *", timezone: "Asia/Kolkata" });
    expect(iso(s.next_run_at)).toBe("2026-01-05T00:15:00.000Z");
    const bad = w.module.schedules.create(w.scope, {
      name: "x",
      prompt: "p",
      cron: "61 * * * *",
      timezone: "UTC",
    });
    expect(bad.ok ? null : bad.error).toEqual({
      code: "validation_failed",
      message: expect.stringContaining("cron:"),
    });
    const zone = w.module.schedules.create(w.scope, {
      name: "x",
      prompt: "p",
      cron: "* * * * *",
      timezone: "Mars/Olympus",
    });
    expect(zone.ok ? null : zone.error.message).toContain("unknown time zone");
    const both = w.module.schedules.create(w.scope, {
      name: "x",
      prompt: "p",
      cron: "* * * * *",
      at: T("2027-01-01T00:00:00Z"),
    });
    expect(both.ok ? null : both.error.code).toBe("validation_failed");
    const past = w.module.schedules.create(w.scope, {
      name: "x",
      prompt: "p",
      at: T("2025-01-01T00:00:00Z"),
    });
    expect(past.ok ? null : past.error.message).toContain("future");
    const often = w.module.schedules.create(w.scope, {
      name: "x",
      prompt: "p",
      cron: "*/30 * * * * *",
      timezone: "UTC",
    });
    expect(often.ok ? null : often.error.message).toContain("more often than once every 60 s");
    expect(
      w.module.schedules.create(w.scope, { name: "x", prompt: "p", cron: "* * * * *", timezone: "UTC" }).ok,
    ).toBe(true);
    const model = w.module.schedules.create(w.scope, {
      name: "x",
      prompt: "p",
      cron: "@daily",
      model: "fx/nope",
    });
    expect(model.ok ? null : model.error.code).toBe("validation_failed");
  });
});

describe("overlap", () => {
  test("a run due while the previous still works is skipped and recorded; the next one after it ends runs", async () => {
    w = scheduleWorld(T("2026-05-01T10:00:30Z"));
    w.module.start();
    create({ cron: "*/5 * * * *", timezone: "UTC" });
    await w.clock.advanceTo(T("2026-05-01T10:12:00Z"), justSettle);
    expect(runs().map((r) => [iso(r.due_at)?.slice(11, 16), r.outcome])).toEqual([
      ["10:05", "running"],
      ["10:10", "skipped"],
    ]);
    expect(runs()[1]?.reason).toBe("the previous run was still working");
    const first = runs()[0] as ScheduleRun;
    w.agents.finish(w.userId, first.session_id as string);
    await w.clock.advanceTo(T("2026-05-01T10:16:00Z"), justSettle);
    expect(runs().map((r) => r.outcome)).toEqual(["ok", "skipped", "running"]);
    expect(w.agents.prompts).toHaveLength(2);
  });

  test("run now refuses while a run works (busy) and starts one otherwise; a paused schedule can be run now", async () => {
    w = scheduleWorld(T("2026-05-01T10:00:00Z"));
    w.module.start();
    const s = create({ cron: "0 0 1 1 *", timezone: "UTC", paused: true });
    const first = w.module.schedules.runNow(w.scope, s.id);
    expect(first.ok && first.value.trigger).toBe("manual");
    const again = w.module.schedules.runNow(w.scope, s.id);
    expect(again.ok ? null : again.error.code).toBe("busy");
    await w.settle();
    w.agents.finish(w.userId, w.agents.prompts[0]?.sessionId as string);
    expect(w.module.schedules.runNow(w.scope, s.id).ok).toBe(true);
  });
});

describe("missed runs after downtime", () => {
  test("the latest missed within the grace window runs once at start-up; the others are recorded as missed", async () => {
    w = scheduleWorld(T("2026-06-01T10:30:00Z"));
    w.module.start();
    const s = create({ cron: "0 * * * *", timezone: "UTC" });
    await w.clock.advanceTo(T("2026-06-01T11:00:00Z"), finishingEach);
    // Down from 11:00 to 15:20: 12:00, 13:00, 14:00 and 15:00 were missed.
    await w.restart({ downFor: T("2026-06-01T15:20:00Z") - T("2026-06-01T11:00:00Z") });
    await w.settle();
    expect(runs().map((r) => [iso(r.due_at)?.slice(11, 16), r.outcome, r.trigger])).toEqual([
      ["11:00", "ok", "cron"],
      ["12:00", "missed", "cron"],
      ["13:00", "missed", "cron"],
      ["14:00", "missed", "cron"],
      ["15:00", "running", "catch_up"],
    ]);
    expect(
      iso(
        w.module.schedules.get(w.scope, s.id).ok
          ? (w.module.schedules.get(w.scope, s.id) as { value: { next_run_at: number } }).value.next_run_at
          : null,
      ),
    ).toBe("2026-06-01T16:00:00.000Z");
  });

  test("beyond the grace window every missed run is only recorded; a missed one-shot too (and it is done)", async () => {
    w = scheduleWorld(T("2026-06-01T10:30:00Z"), 10 * 60_000);
    w.module.start();
    create({ cron: "0 * * * *", timezone: "UTC" });
    const once = create({ at: T("2026-06-01T12:30:00Z") });
    await w.restart({ downFor: T("2026-06-01T13:20:00Z") - T("2026-06-01T10:30:00Z") });
    await w.settle();
    expect(runs().map((r) => [iso(r.due_at)?.slice(11, 16), r.outcome])).toEqual([
      ["11:00", "missed"],
      ["12:00", "missed"],
      ["12:30", "missed"],
      ["13:00", "missed"],
    ]);
    expect(w.agents.prompts).toHaveLength(0);
    const after = w.module.schedules.get(w.scope, once.id);
    expect(after.ok && [after.value.state, after.value.next_run_at]).toEqual(["done", null]);
  });

  test("a one-shot missed within the grace window runs once at start-up", async () => {
    w = scheduleWorld(T("2026-06-01T10:00:00Z"));
    w.module.start();
    create({ at: T("2026-06-01T10:30:00Z") });
    await w.restart({ downFor: 45 * 60_000 });
    await w.settle();
    expect(runs().map((r) => [r.outcome, r.trigger])).toEqual([["running", "catch_up"]]);
    expect(w.agents.prompts).toHaveLength(1);
  });
});

describe("restart in the middle of a run", () => {
  test("the turn ends after the restart (events replayed through the hub): recorded once, announced once", async () => {
    w = scheduleWorld(T("2026-07-01T08:59:00Z"));
    w.module.start();
    create({ cron: "0 9 * * *", timezone: "UTC" });
    await w.clock.advanceTo(T("2026-07-01T09:00:05Z"), justSettle);
    const session = runs()[0]?.session_id as string;
    await w.restart({ downFor: 30_000 });
    await w.settle();
    expect(runs().map((r) => r.outcome)).toEqual(["running"]);
    w.agents.finish(w.userId, session);
    w.agents.finish(w.userId, session); // a second idle (a later turn) changes nothing
    expect(runs().map((r) => [r.outcome, r.session_id])).toEqual([["ok", session]]);
    expect(w.heard.map((e) => e.type)).toEqual(["run.finished"]);
    expect(w.agents.prompts).toHaveLength(0); // nothing was started again
  });

  test("the turn ended while the server was down: caught up from the history at start-up, once", async () => {
    w = scheduleWorld(T("2026-07-01T08:59:00Z"));
    w.module.start();
    create({ cron: "0 9 * * *", timezone: "UTC" });
    await w.clock.advanceTo(T("2026-07-01T09:00:05Z"), justSettle);
    const session = runs()[0]?.session_id as string;
    await w.restart({
      downFor: 60_000,
      beforeStart: () => w.agents.finish(w.userId, session, { via: "history" }),
    });
    expect(runs().map((r) => r.outcome)).toEqual(["ok"]);
    // The runner's replay of the same turn end through the hub does not record it again.
    w.agents.finish(w.userId, session);
    expect(w.heard.map((e) => e.type)).toEqual(["run.finished"]);
  });
});

describe("states and outcomes", () => {
  test("a run still working after max_run_duration (a turn waiting for input) is stopped and failed; the schedule goes on", async () => {
    w = scheduleWorld(T("2026-07-01T08:30:00Z"));
    w.module.start();
    create({ cron: "0 * * * *", timezone: "UTC" });
    await w.clock.advanceTo(T("2026-07-01T11:30:00Z"), justSettle);
    expect(runs().map((r) => [iso(r.due_at)?.slice(11, 16), r.outcome, r.reason])).toEqual([
      ["09:00", "failed", "stopped after 120 min (schedules.max_run_duration)"],
      ["10:00", "skipped", "the previous run was still working"],
      ["11:00", "running", null],
    ]);
    expect(w.agents.aborted).toEqual([runs()[0]?.session_id as string]);
    expect(w.heard.map((e) => e.type)).toEqual(["run.failed"]);
  });

  test("a running run whose conversation is gone after a restart is failed, so the schedule is not stuck", async () => {
    w = scheduleWorld(T("2026-07-01T08:59:00Z"));
    w.module.start();
    create({ cron: "0 9 * * *", timezone: "UTC" });
    await w.clock.advanceTo(T("2026-07-01T09:00:05Z"), justSettle);
    const session = runs()[0]?.session_id as string;
    await w.restart({ downFor: 60_000, beforeStart: () => w.history.deleteSession(session) });
    expect(runs().map((r) => [r.outcome, r.reason])).toEqual([
      ["failed", "the run's conversation no longer exists"],
    ]);
    await w.clock.advanceTo(T("2026-07-02T09:00:05Z"), justSettle);
    expect(runs().map((r) => r.outcome)).toEqual(["failed", "running"]);
  });

  test("paused and proposed schedules never fire; resume and confirm run from the next time after now", async () => {
    w = scheduleWorld(T("2026-08-01T00:00:00Z"));
    w.module.start();
    const paused = create({ cron: "0 * * * *", timezone: "UTC", paused: true });
    const proposed = w.module.schedules.create(
      w.scope,
      { name: "Agent's idea", prompt: "p", cron: "30 * * * *", timezone: "UTC" },
      "ses_0000000000000000000000000000",
    );
    if (!proposed.ok) throw new Error(proposed.error.message);
    expect(proposed.value.state).toBe("proposed");
    await w.clock.advanceTo(T("2026-08-01T05:00:00Z"), finishingEach);
    expect(runs()).toHaveLength(0);
    expect(w.module.schedules.runNow(w.scope, proposed.value.id).ok).toBe(false);
    w.module.schedules.setState(w.scope, paused.id, "active");
    const confirmed = w.module.schedules.confirm(w.scope, proposed.value.id);
    expect(confirmed.ok && [confirmed.value.state, iso(confirmed.value.next_run_at)]).toEqual([
      "active",
      "2026-08-01T05:30:00.000Z",
    ]);
    await w.clock.advanceTo(T("2026-08-01T06:10:00Z"), finishingEach);
    expect(runs().map((r) => [r.title, iso(r.due_at)?.slice(11, 16)])).toEqual([
      ["Agent's idea", "05:30"],
      ["Digest", "06:00"],
    ]);
    w.module.schedules.setState(w.scope, paused.id, "paused");
    await w.clock.advanceTo(T("2026-08-01T08:00:00Z"), finishingEach);
    expect(runs().filter((r) => r.title === "Digest")).toHaveLength(1);
  });

  test("a run whose conversation passes its spend cap is stopped and recorded as failed", async () => {
    w = scheduleWorld(T("2026-08-01T00:00:00Z"));
    w.module.start();
    const s = create({ cron: "@yearly", timezone: "UTC", spend_cap: 0.05 });
    w.module.schedules.runNow(w.scope, s.id);
    await w.settle();
    const session = runs()[0]?.session_id as string;
    const usage = (cost: number) => ({
      event: "usage" as const,
      message_id: "msg_1",
      tokens: { input: 1, output: 1, cache_read: 0, cache_write: 0 },
      cost,
    });
    w.agents.emit(w.userId, session, [usage(0.02)]);
    expect(runs()[0]?.outcome).toBe("running");
    w.agents.metered.set(session, 0.061); // the gateway's metering is what counts
    w.agents.emit(w.userId, session, [usage(0.02)]);
    const run = runs()[0] as ScheduleRun;
    expect([run.outcome, run.reason, run.cost]).toEqual([
      "failed",
      "spend cap reached: $0.0610 of $0.0500",
      0.061,
    ]);
    expect(w.agents.aborted).toEqual([session]);
    expect(w.heard.map((e) => e.type)).toEqual(["run.failed"]);
  });

  test("a turn that ends in an error, and a conversation that cannot start, are failed runs", async () => {
    w = scheduleWorld(T("2026-08-01T00:00:00Z"));
    w.module.start();
    const s = create({ cron: "@yearly", timezone: "UTC" });
    w.module.schedules.runNow(w.scope, s.id);
    await w.settle();
    const session = runs()[0]?.session_id as string;
    w.agents.emit(w.userId, session, [
      {
        event: "agent.error",
        error: { code: "upstream_failed", message: "provider said 500" },
        recoverable: true,
      },
      { event: "agent.idle" },
    ]);
    w.agents.failCreate = "no provider is configured";
    await w.clock.advance(1000);
    w.module.schedules.runNow(w.scope, s.id);
    await w.settle();
    expect(runs().map((r) => [r.outcome, r.reason])).toEqual([
      ["failed", "provider said 500"],
      ["failed", "the conversation could not start: no provider is configured"],
    ]);
  });

  test("another user's project and schedules are not found", () => {
    w = scheduleWorld(T("2026-08-01T00:00:00Z"));
    const s = create({ cron: "@daily", timezone: "UTC" });
    const other = { userId: "usr_0000000000000000000000000000", projectId: w.projectId };
    expect(w.module.schedules.get(other, s.id).ok).toBe(false);
    expect(w.module.schedules.runNow(other, s.id).ok).toBe(false);
    expect(w.module.schedules.delete(other, s.id).ok).toBe(false);
    expect(w.module.schedules.get(w.scope, s.id).ok).toBe(true);
  });
});

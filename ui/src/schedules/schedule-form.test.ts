import { expect, test } from "bun:test";
import { bodyOf, costText, emptyForm, formOf, runDuration, toLocalInput, whenText } from "./schedule-form.ts";
import type { Schedule, ScheduleRun } from "./schedules-api.ts";

test("a cron form becomes a body with zone, null model and cap; missing name or prompt names the field", () => {
  const f = { ...emptyForm("Europe/Berlin"), name: " Digest ", prompt: "summarise" };
  expect(bodyOf(f)).toEqual({
    ok: true,
    body: {
      name: "Digest",
      prompt: "summarise",
      model: null,
      thinking: null,
      cron: "0 9 * * 1-5",
      timezone: "Europe/Berlin",
      spend_cap: null,
    },
  });
  expect(bodyOf({ ...f, name: "" })).toMatchObject({ ok: false, field: "name" });
  expect(bodyOf({ ...f, prompt: " " })).toMatchObject({ ok: false, field: "prompt" });
  expect(bodyOf({ ...f, cron: "" })).toMatchObject({ ok: false, field: "cron" });
  expect(bodyOf({ ...f, spendCap: "-2" })).toMatchObject({ ok: false, field: "spendCap" });
  expect(bodyOf({ ...f, spendCap: "0.5" })).toMatchObject({ ok: true, body: { spend_cap: 0.5 } });
});

test("a one-shot takes the local date-time; editing round-trips a schedule", () => {
  const at = new Date(2030, 0, 2, 7, 30).getTime();
  const f = { ...emptyForm("UTC"), name: "n", prompt: "p", mode: "once" as const, at: toLocalInput(at) };
  expect(bodyOf(f)).toMatchObject({ ok: true, body: { at } });
  expect(bodyOf({ ...f, at: "" })).toMatchObject({ ok: false, field: "at" });
  const s = {
    name: "n",
    cron: null,
    timezone: "UTC",
    at,
    prompt: "p",
    model: "fx/a",
    thinking: "low",
    spend_cap: 2,
  } as Schedule;
  expect(formOf(s)).toMatchObject({ mode: "once", at: toLocalInput(at), model: "fx/a", spendCap: "2" });
  expect(whenText({ ...s, cron: "0 9 * * *", at: null })).toBe("0 9 * * * · UTC");
});

test("durations and costs read well", () => {
  const r = { started_at: 1000, finished_at: 73_000 } as ScheduleRun;
  expect(runDuration(r)).toBe("1m 12s");
  expect(runDuration({ ...r, finished_at: null })).toBe("");
  expect([costText(0), costText(0.004), costText(1.5)]).toEqual(["$0", "<$0.01", "$1.50"]);
});

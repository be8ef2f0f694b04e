import { expect, test } from "bun:test";
import { effectiveLimits, estimateCost, monthKey, monthStart } from "./budget.ts";
import { csvField, rangeOf } from "./budget-admin.ts";
import { createBudgetEvents } from "./budget-events.ts";

const model = {
  id: "m",
  context_window: 1000,
  max_tokens: 500,
  reasoning: false,
  images: false,
  input_price: 1,
  output_price: 10,
};

test("an override wins where set (0 included); null falls back to the config default", () => {
  const defaults = { user_monthly_usd: 20, session_usd: 2, user_rpm: 30 };
  expect(effectiveLimits(defaults, null)).toEqual(defaults);
  expect(effectiveLimits(defaults, { user_monthly_usd: 0, session_usd: null, user_rpm: 5 })).toEqual({
    user_monthly_usd: 0,
    session_usd: 2,
    user_rpm: 5,
  });
});

test("the reservation: prompt bytes / 4 (capped at the context window) plus all the output allowed", () => {
  expect(estimateCost(model, { bodyBytes: 400, maxTokens: 100 })).toBeCloseTo((100 * 1 + 100 * 10) / 1e6, 12);
  // No max_tokens in the request: the model's own maximum.
  expect(estimateCost(model, { bodyBytes: 0, maxTokens: null })).toBeCloseTo((500 * 10) / 1e6, 12);
  // A megabyte of base64 image is not 250k tokens of a 1k-token window.
  expect(estimateCost(model, { bodyBytes: 1 << 20, maxTokens: 1 })).toBeCloseTo((1000 + 10) / 1e6, 12);
  // A dearer cache-write price is the one a prompt is reserved at.
  expect(estimateCost({ ...model, cache_write_price: 4 }, { bodyBytes: 40, maxTokens: 0 + 1 })).toBeCloseTo(
    (10 * 4 + 10) / 1e6,
    12,
  );
  expect(estimateCost({ ...model, output_price: undefined }, { bodyBytes: 4, maxTokens: 1 })).toBeNull();
});

test("months are calendar months in UTC", () => {
  const t = Date.parse("2026-12-31T23:59:59Z");
  expect(monthKey(t)).toBe("2026-12");
  expect(new Date(monthStart(t)).toISOString()).toBe("2026-12-01T00:00:00.000Z");
  expect(monthKey(t + 1000)).toBe("2027-01");
});

test("report ranges: this month to date by default, inclusive days, bad ones refused", () => {
  const now = Date.parse("2026-12-07T12:00:00Z");
  const r = rangeOf({}, now);
  expect(r.ok && [r.value.fromDay, r.value.toDay]).toEqual(["2026-12-01", "2026-12-07"]);
  expect(r.ok && r.value.to).toBe(Date.parse("2026-12-08T00:00:00Z"));
  expect(rangeOf({ from: "2026-12-05", to: "2026-12-01" }, now).ok).toBe(false);
  expect(rangeOf({ from: "2026-02-30" }, now).ok).toBe(false);
  expect(rangeOf({ to: "2026-13-01" }, now).ok).toBe(false);
  expect(rangeOf({ from: "2020-01-01", to: "2026-01-01" }, now).ok).toBe(false);
});

test("CSV fields: quoted when needed, formulas defused", () => {
  expect(csvField("plain")).toBe("plain");
  expect(csvField('a, "b"')).toBe('"a, ""b"""');
  expect(csvField("=HYPERLINK(1)")).toBe("'=HYPERLINK(1)");
  expect(csvField(-1)).toBe("-1");
});

test("budget.reached reaches listeners once per user, scope and period; a throwing listener changes nothing", () => {
  const events = createBudgetEvents();
  const seen: string[] = [];
  events.on(() => {
    throw new Error("listener bug");
  });
  events.on((e) => seen.push(`${e.scope}:${e.period}`));
  const base = {
    type: "budget.reached" as const,
    user_id: "usr_a",
    session_id: "ses_1",
    limit_usd: 5,
    ts: 0,
  };
  events.emit({ ...base, scope: "monthly", period: "2026-12" });
  events.emit({ ...base, scope: "monthly", period: "2026-12" });
  events.emit({ ...base, scope: "session", period: "ses_1" });
  events.emit({ ...base, scope: "monthly", period: "2027-01" });
  expect(seen).toEqual(["monthly:2026-12", "session:ses_1", "monthly:2027-01"]);
});

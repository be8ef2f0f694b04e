import { expect, test } from "bun:test";
import { cost, limitText, monthToDate, parseLimit, share, tokens, usd } from "./usage-format.ts";

test("an unknown price is said, never shown as zero", () => {
  expect(cost({ cost: 0, requests: 2, unknown_requests: 2 })).toBe("unknown");
  expect(cost({ cost: 1.5, requests: 3, unknown_requests: 1 })).toBe("$1.50 + unknown");
  expect(cost({ cost: 0, requests: 0, unknown_requests: 0 })).toBe("$0.00");
  expect(cost({ cost: 0.004, requests: 1, unknown_requests: 0 })).toBe("$0.0040");
  expect(usd(1234.5)).toBe("$1,234.50");
});

test("limits, shares and token counts", () => {
  expect(limitText(0)).toBe("no limit");
  expect(limitText(5)).toBe("$5.00");
  expect(share(2.5, 5)).toBe(50);
  expect(share(9, 5)).toBe(100);
  expect(share(1, 0)).toBeNull();
  expect(tokens(1234)).toBe("1,234");
  expect(tokens(45_000)).toBe("45k");
  expect(tokens(2_500_000)).toBe("2.5M");
});

test("limit fields: blank is the default, numbers ≥ 0, whole numbers for requests per minute", () => {
  expect(parseLimit("")).toEqual({ ok: true, value: null });
  expect(parseLimit("$5")).toEqual({ ok: true, value: 5 });
  expect(parseLimit("0")).toEqual({ ok: true, value: 0 });
  expect(parseLimit("-1").ok).toBe(false);
  expect(parseLimit("abc").ok).toBe(false);
  expect(parseLimit("1.5", true).ok).toBe(false);
  expect(monthToDate(new Date("2026-12-07T10:00:00Z"))).toEqual({ from: "2026-12-01", to: "2026-12-07" });
});

import type { UsageSums } from "../../../src/protocol/budgets.ts";

/**
 * Money and limits as the usage pages say them. A call whose model had no price has an unknown
 * cost: it is never added as zero, and a sum that includes one says so.
 */

export function usd(amount: number): string {
  if (amount === 0) return "$0.00";
  if (amount < 0.01) return `$${amount.toFixed(4)}`;
  return `$${amount.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

/** "$1.23", "unknown", or "$1.23 + unknown" (some calls had no price). */
export function cost(s: Pick<UsageSums, "cost" | "requests" | "unknown_requests">): string {
  if (s.unknown_requests === 0) return usd(s.cost);
  if (s.unknown_requests >= s.requests) return "unknown";
  return `${usd(s.cost)} + unknown`;
}

export function tokens(n: number): string {
  if (n >= 1_000_000) return `${(n / 1_000_000).toFixed(1)}M`;
  if (n >= 10_000) return `${Math.round(n / 1000)}k`;
  return n.toLocaleString("en-US");
}

/** "$5.00" or "no limit" (0 means none). */
export function limitText(limit: number): string {
  return limit > 0 ? usd(limit) : "no limit";
}

/** Share of a monthly limit used, 0..100, or null without a limit. */
export function share(spent: number, limit: number): number | null {
  if (limit <= 0) return null;
  return Math.min(100, Math.round((spent / limit) * 100));
}

/** A form's number field: blank is "use the default" (null), otherwise a number ≥ 0. */
export function parseLimit(raw: string, integer = false): { ok: true; value: number | null } | { ok: false } {
  const text = raw.trim().replace(/^\$/, "");
  if (text === "") return { ok: true, value: null };
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n))) return { ok: false };
  return { ok: true, value: n };
}

/** The first day of this month and today, UTC, as the report's default range. */
export function monthToDate(now = new Date()): { from: string; to: string } {
  const today = now.toISOString().slice(0, 10);
  return { from: `${today.slice(0, 7)}-01`, to: today };
}

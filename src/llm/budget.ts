import type { Database } from "bun:sqlite";
import type { LlmLimitsConfig } from "../config/schema.ts";
import type { ModelSpec } from "../protocol/llm.ts";
import {
  budgetEventsRepo,
  reservationsRepo,
  type UserLimitsRow,
  userLimitsRepo,
} from "../storage/budgets.ts";
import { llmUsageRepo, type UsageRow } from "../storage/llm.ts";
import { type BudgetEvents, type BudgetReached, budgetPeriodKey } from "./budget-events.ts";
import { pricesOf } from "./usage.ts";

/**
 * Budgets, enforced by the LLM gateway before a call goes upstream (decision 0023). Each admitted
 * call reserves its worst-case cost in the main database under SQLite's write lock; the real cost
 * replaces the reservation when the call ends (settle) in one transaction. A call is admitted while
 * spent + reserved is below the limit, so concurrent calls, in any number of gateway processes,
 * overspend by at most one call's reservation.
 */

export type Limits = LlmLimitsConfig;
export type LimitsOverride = { [K in keyof Limits]: number | null };

export const NO_OVERRIDE: LimitsOverride = { user_monthly_usd: null, session_usd: null, user_rpm: null };

/** A reservation outlives a gateway that died holding it by this much at most. */
export const RESERVATION_TTL_MS = 20 * 60_000;
const RPM_WINDOW_MS = 60_000;
/** Sums of float dollars drift by ulps: $0.01 × 10 is 0.09999…; a millionth of a cent is no money. */
const EPSILON = 1e-8;

export function effectiveLimits(defaults: Limits, row: UserLimitsRow | LimitsOverride | null): Limits {
  return {
    user_monthly_usd: row?.user_monthly_usd ?? defaults.user_monthly_usd,
    session_usd: row?.session_usd ?? defaults.session_usd,
    user_rpm: row?.user_rpm ?? defaults.user_rpm,
  };
}

/** "2026-12": the calendar month (UTC) a monthly budget counts. */
export const monthKey = (now: number): string => new Date(now).toISOString().slice(0, 7);

/** The first millisecond of `now`'s calendar month, UTC. */
export function monthStart(now: number): number {
  const d = new Date(now);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

/** What a request may cost at most, roughly: its prompt at the dearer input price plus all output allowed. */
export function estimateCost(
  model: ModelSpec,
  request: { bodyBytes: number; maxTokens: number | null },
): number | null {
  const p = pricesOf(model);
  if (!p) return null;
  // ~4 bytes of JSON per token overstates the prompt; an image's base64 would overstate it wildly,
  // so the context window caps it.
  const input = Math.min(Math.ceil(request.bodyBytes / 4), model.context_window);
  const output = request.maxTokens ?? model.max_tokens;
  return (input * Math.max(p.input, p.cacheWrite) + output * p.output) / 1_000_000;
}

export interface BudgetCall {
  userId: string;
  sessionId: string;
  /** "provider/model", for messages. */
  ref: string;
  model: ModelSpec;
  estimate: number | null;
}

export type Admission =
  | { ok: true; reservation: number | null; limits: Limits }
  | {
      ok: false;
      code: "budget_exceeded" | "rate_limited" | "price_unknown";
      message: string;
      /** Seconds, for `rate_limited`. */
      retryAfter?: number;
    };

export interface BudgetGate {
  admit(call: BudgetCall): Admission;
  /** Replaces the reservation by the usage row, atomically. */
  settle(reservation: number | null, row: UsageRow): void;
  /** The call never went out (or failed before any answer): give the reservation back. */
  release(reservation: number | null): void;
}

export interface BudgetGateDeps {
  db: Database;
  defaults: Limits;
  events?: BudgetEvents;
  clock?: () => number;
}

const WHO_RAISES = "An admin can raise it in Admin → Usage.";

export function createBudgetGate(deps: BudgetGateDeps): BudgetGate {
  const clock = deps.clock ?? Date.now;
  const overrides = userLimitsRepo(deps.db);
  const store = reservationsRepo(deps.db);
  const usage = llmUsageRepo(deps.db);
  let lastPurge = 0;

  const recorded = budgetEventsRepo(deps.db);
  /** Events found while holding the lock, emitted after it is released. */
  let pending: BudgetReached[] = [];

  const reached = (call: BudgetCall, scope: "monthly" | "session", limit: number, now: number) => {
    const event: BudgetReached = {
      type: "budget.reached",
      user_id: call.userId,
      session_id: call.sessionId,
      scope,
      limit_usd: limit,
      period: budgetPeriodKey(scope, call.sessionId, now),
      ts: now,
    };
    const { type: _, ...row } = event;
    // Recorded once per user, scope and period, whichever gateway process refused first.
    if (recorded.record(row)) pending.push(event);
  };

  function decide(call: BudgetCall, limits: Limits, now: number): Admission {
    if (limits.user_rpm > 0) {
      const calls = store.callsSince(call.userId, now - RPM_WINDOW_MS, now);
      if (calls.n >= limits.user_rpm) {
        const retryAfter = Math.max(1, Math.ceil(((calls.oldest ?? now) + RPM_WINDOW_MS - now) / 1000));
        return {
          ok: false,
          code: "rate_limited",
          message: `rate_limited: this account may send ${limits.user_rpm} model requests a minute; try again in ${retryAfter} s`,
          retryAfter,
        };
      }
    }
    const monetary = limits.user_monthly_usd > 0 || limits.session_usd > 0;
    if (monetary && call.estimate === null) {
      return {
        ok: false,
        code: "price_unknown",
        message: `price_unknown: model ${call.ref} has no price, and this account has a spending limit, so it cannot be used. An admin can set its price in Admin → Models.`,
      };
    }
    if (limits.user_monthly_usd > 0) {
      const spent = store.userSpent(call.userId, monthKey(now)).cost + store.userReserved(call.userId, now);
      if (spent >= limits.user_monthly_usd - EPSILON) {
        reached(call, "monthly", limits.user_monthly_usd, now);
        return {
          ok: false,
          code: "budget_exceeded",
          message: `budget_exceeded: budget reached. This account's monthly model budget is used up. ${WHO_RAISES}`,
        };
      }
    }
    if (limits.session_usd > 0) {
      const spent = store.sessionSpent(call.sessionId).cost + store.sessionReserved(call.sessionId, now);
      if (spent >= limits.session_usd - EPSILON) {
        reached(call, "session", limits.session_usd, now);
        return {
          ok: false,
          code: "budget_exceeded",
          message: `budget_exceeded: budget reached. This conversation's model budget is used up; start a new conversation. ${WHO_RAISES}`,
        };
      }
    }
    const reservation = store.insert({
      user_id: call.userId,
      session_id: call.sessionId,
      ts: now,
      amount: call.estimate ?? 0,
      expires_at: now + RESERVATION_TTL_MS,
    });
    return { ok: true, reservation, limits };
  }

  return {
    admit(call) {
      const limits = effectiveLimits(deps.defaults, overrides.get(call.userId));
      if (limits.user_monthly_usd <= 0 && limits.session_usd <= 0 && limits.user_rpm <= 0)
        return { ok: true, reservation: null, limits };
      const now = clock();
      const admission = store.locked(() => {
        if (now - lastPurge > 60_000) {
          store.purgeExpired(now);
          lastPurge = now;
        }
        return decide(call, limits, now);
      });
      const events = pending;
      pending = [];
      for (const event of events) deps.events?.emit(event);
      return admission;
    },
    settle(reservation, row) {
      if (reservation === null) return usage.insert(row);
      store.locked(() => {
        store.remove(reservation);
        usage.insert(row);
      });
    },
    release(reservation) {
      if (reservation !== null) store.remove(reservation);
    },
  };
}

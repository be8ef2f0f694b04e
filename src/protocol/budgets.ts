import * as v from "valibot";
import { idSchema } from "./ids.ts";

/**
 * Budgets and usage pages (decision 0023). Amounts are USD. A cost is the sum of the calls whose
 * model had a price; `unknown_requests` counts the others, which are never shown as zero.
 *
 * Admin (role admin):
 *   GET /api/admin/usage?from=&to=          → UsageReport   (days YYYY-MM-DD, UTC, inclusive)
 *   GET /api/admin/usage.csv?from=&to=      → text/csv, header USAGE_CSV_HEADER
 *   GET /api/admin/users/:id/limits         → UserLimits
 *   PUT /api/admin/users/:id/limits  LimitsBody → UserLimits
 * Any signed-in user:
 *   GET /api/usage/me                       → MyUsage (this month, against my limits)
 */

const usd = v.pipe(v.number(), v.minValue(0), v.maxValue(1_000_000));
const rpm = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(1_000_000));

export const Limits = v.object({
  user_monthly_usd: v.number(),
  session_usd: v.number(),
  user_rpm: v.number(),
});
export type Limits = v.InferOutput<typeof Limits>;

/** A field absent is left as it is; `null` goes back to the config default; 0 means no limit. */
export const LimitsBody = v.strictObject({
  user_monthly_usd: v.optional(v.nullable(usd)),
  session_usd: v.optional(v.nullable(usd)),
  user_rpm: v.optional(v.nullable(rpm)),
});
export type LimitsBody = v.InferOutput<typeof LimitsBody>;

export const LimitsOverride = v.object({
  user_monthly_usd: v.nullable(v.number()),
  session_usd: v.nullable(v.number()),
  user_rpm: v.nullable(v.number()),
});

export const UserLimits = v.object({
  user_id: v.string(),
  username: v.string(),
  /** `[llm.limits]` in the config. */
  defaults: Limits,
  override: LimitsOverride,
  /** What the gateway enforces: the override where set, else the default. */
  effective: Limits,
});
export type UserLimits = v.InferOutput<typeof UserLimits>;

const day = v.pipe(v.string(), v.regex(/^\d{4}-\d{2}-\d{2}$/, "a day like 2026-12-01"));
export const UsageReportQuery = v.strictObject({ from: v.optional(day), to: v.optional(day) });
export type UsageReportQuery = v.InferOutput<typeof UsageReportQuery>;

export const UsageSums = v.object({
  requests: v.number(),
  input_tokens: v.number(),
  output_tokens: v.number(),
  cache_read_tokens: v.number(),
  cache_write_tokens: v.number(),
  /** USD of the priced calls. */
  cost: v.number(),
  /** Calls at an unknown price: their cost is unknown, not zero. */
  unknown_requests: v.number(),
});
export type UsageSums = v.InferOutput<typeof UsageSums>;

export const UsageReport = v.object({
  from: v.string(),
  to: v.string(),
  totals: UsageSums,
  by_user: v.array(
    v.object({
      ...UsageSums.entries,
      user_id: v.string(),
      username: v.string(),
      monthly_limit_usd: v.number(),
    }),
  ),
  by_model: v.array(v.object({ ...UsageSums.entries, model: v.string() })),
  by_project: v.array(
    v.object({ ...UsageSums.entries, project_id: v.string(), project: v.string(), username: v.string() }),
  ),
  by_day: v.array(v.object({ ...UsageSums.entries, day: v.string() })),
  /** The most expensive conversations, at most 10. */
  top_sessions: v.array(
    v.object({
      ...UsageSums.entries,
      session_id: v.string(),
      title: v.string(),
      project: v.string(),
      username: v.string(),
    }),
  ),
});
export type UsageReport = v.InferOutput<typeof UsageReport>;

export const MyUsage = v.object({
  /** "2026-12": the calendar month (UTC) the monthly budget counts. */
  month: v.string(),
  totals: UsageSums,
  /** Calls in flight hold this much of the budget until they end. */
  reserved_usd: v.number(),
  limits: Limits,
  by_model: v.array(v.object({ ...UsageSums.entries, model: v.string() })),
});
export type MyUsage = v.InferOutput<typeof MyUsage>;

/** The CSV export's first line; its columns never change order (new ones go at the end). */
export const USAGE_CSV_HEADER =
  "day,user_id,username,project_id,project,provider,model,requests,input_tokens,output_tokens,cache_read_tokens,cache_write_tokens,cost_usd,unknown_price_requests";

export const userIdParam = idSchema("usr");

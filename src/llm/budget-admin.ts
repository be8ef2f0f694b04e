import type { Database } from "bun:sqlite";
import type { LlmLimitsConfig } from "../config/schema.ts";
import {
  type LimitsBody,
  type MyUsage,
  USAGE_CSV_HEADER,
  type UsageReport,
  type UsageReportQuery,
  type UserLimits,
} from "../protocol/budgets.ts";
import { fail, ok, type Result } from "../protocol/errors.ts";
import { reservationsRepo, userLimitsRepo } from "../storage/budgets.ts";
import { type Range, usageReportRepo } from "../storage/usage-report.ts";
import { usersRepo } from "../storage/users.ts";
import { effectiveLimits, monthStart, NO_OVERRIDE } from "./budget.ts";

/** What admins and users see of budgets: limits per user, usage reports, the CSV export. */

export interface Budgets {
  limits(userId: string): Result<UserLimits>;
  setLimits(userId: string, body: LimitsBody, by: string | null): Result<UserLimits>;
  report(query: UsageReportQuery): Result<UsageReport>;
  csv(query: UsageReportQuery): Result<string>;
  mine(userId: string): MyUsage;
}

const DAY_MS = 86_400_000;
const TOP_SESSIONS = 10;

/** Days are UTC and inclusive; the default is this month to date. */
export function rangeOf(
  query: UsageReportQuery,
  now: number,
): Result<Range & { fromDay: string; toDay: string }> {
  const from = query.from ? Date.parse(`${query.from}T00:00:00Z`) : monthStart(now);
  const toDayStart = query.to ? Date.parse(`${query.to}T00:00:00Z`) : Date.parse(`${day(now)}T00:00:00Z`);
  const real = (ts: number, text: string | undefined) => Number.isFinite(ts) && (!text || day(ts) === text);
  if (!real(from, query.from)) return fail("bad_request", `from: "${query.from}" is not a day`);
  if (!real(toDayStart, query.to)) return fail("bad_request", `to: "${query.to}" is not a day`);
  if (toDayStart < from) return fail("bad_request", "to is before from");
  if (toDayStart - from > 366 * DAY_MS) return fail("bad_request", "a report covers at most 366 days");
  return ok({ from, to: toDayStart + DAY_MS, fromDay: day(from), toDay: day(toDayStart) });
}

const day = (ts: number) => new Date(ts).toISOString().slice(0, 10);

/** RFC 4180: quote a field holding a comma, quote or line break; a leading =+-@ is defused for spreadsheets. */
export function csvField(value: string | number): string {
  let text = String(value);
  if (typeof value === "string" && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function createBudgets(deps: {
  db: Database;
  defaults: LlmLimitsConfig;
  clock?: () => number;
}): Budgets {
  const clock = deps.clock ?? Date.now;
  const overrides = userLimitsRepo(deps.db);
  const users = usersRepo(deps.db);
  const reports = usageReportRepo(deps.db);

  const view = (userId: string, username: string): UserLimits => {
    const row = overrides.get(userId);
    const override = row
      ? { user_monthly_usd: row.user_monthly_usd, session_usd: row.session_usd, user_rpm: row.user_rpm }
      : NO_OVERRIDE;
    return {
      user_id: userId,
      username,
      defaults: { ...deps.defaults },
      override,
      effective: effectiveLimits(deps.defaults, override),
    };
  };

  return {
    limits(userId) {
      const user = users.byId(userId);
      return user ? ok(view(user.id, user.username)) : fail("not_found", "no such user");
    },
    setLimits(userId, body, by) {
      const user = users.byId(userId);
      if (!user) return fail("not_found", "no such user");
      const current = view(user.id, user.username).override;
      overrides.put({
        user_id: user.id,
        user_monthly_usd:
          body.user_monthly_usd === undefined ? current.user_monthly_usd : body.user_monthly_usd,
        session_usd: body.session_usd === undefined ? current.session_usd : body.session_usd,
        user_rpm: body.user_rpm === undefined ? current.user_rpm : body.user_rpm,
        updated_at: clock(),
        updated_by: by,
      });
      return ok(view(user.id, user.username));
    },
    report(query) {
      const range = rangeOf(query, clock());
      if (!range.ok) return range;
      const r = range.value;
      const limitOf = (id: string) => effectiveLimits(deps.defaults, overrides.get(id)).user_monthly_usd;
      return ok({
        from: r.fromDay,
        to: r.toDay,
        totals: reports.totals(r),
        by_user: reports.byUser(r).map((row) => ({ ...row, monthly_limit_usd: limitOf(row.user_id) })),
        by_model: reports.byModel(r),
        by_project: reports.byProject(r),
        by_day: reports.byDay(r),
        top_sessions: reports.topSessions(r, TOP_SESSIONS),
      });
    },
    csv(query) {
      const range = rangeOf(query, clock());
      if (!range.ok) return range;
      const lines = [USAGE_CSV_HEADER];
      for (const row of reports.detail(range.value)) {
        // An unknown price is an empty cell, never 0 (and a partly unknown sum says so in the last column).
        const cost = row.unknown_requests === row.requests ? "" : row.cost.toFixed(6);
        lines.push(
          [
            row.day,
            row.user_id,
            row.username,
            row.project_id,
            row.project,
            row.provider,
            row.model,
            row.requests,
            row.input_tokens,
            row.output_tokens,
            row.cache_read_tokens,
            row.cache_write_tokens,
            cost,
            row.unknown_requests,
          ]
            .map(csvField)
            .join(","),
        );
      }
      return ok(`${lines.join("\r\n")}\r\n`);
    },
    mine(userId) {
      const now = clock();
      const r = { from: monthStart(now), to: now + 1 };
      return {
        month: new Date(now).toISOString().slice(0, 7),
        totals: reports.totals(r, userId),
        reserved_usd: reservationsRepo(deps.db).userReserved(userId, now),
        limits: effectiveLimits(deps.defaults, overrides.get(userId)),
        by_model: reports.byModel(r, userId),
      };
    },
  };
}

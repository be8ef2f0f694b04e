import type { Database } from "bun:sqlite";

/** SQL for budgets: per-user limit overrides and the gateway's reservations (decision 0023). */

export interface UserLimitsRow {
  user_id: string;
  user_monthly_usd: number | null;
  session_usd: number | null;
  user_rpm: number | null;
  updated_at: number;
  updated_by: string | null;
}

export interface SpendRow {
  /** USD of the priced calls. */
  cost: number;
  /** Calls whose model had no price. */
  unknown: number;
}

export const userLimitsRepo = (db: Database) => ({
  get(userId: string): UserLimitsRow | null {
    return db.query<UserLimitsRow, [string]>("SELECT * FROM llm_user_limits WHERE user_id = ?").get(userId);
  },
  list(): UserLimitsRow[] {
    return db.query<UserLimitsRow, []>("SELECT * FROM llm_user_limits").all();
  },
  put(row: UserLimitsRow): void {
    db.query(
      `INSERT INTO llm_user_limits (user_id, user_monthly_usd, session_usd, user_rpm, updated_at, updated_by)
       VALUES ($user_id, $user_monthly_usd, $session_usd, $user_rpm, $updated_at, $updated_by)
       ON CONFLICT (user_id) DO UPDATE SET user_monthly_usd = excluded.user_monthly_usd,
         session_usd = excluded.session_usd, user_rpm = excluded.user_rpm,
         updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
    ).run({ ...row });
  },
});

export interface ReservationRow {
  user_id: string;
  session_id: string;
  ts: number;
  amount: number;
  expires_at: number;
}

const NONE: SpendRow = { cost: 0, unknown: 0 };

export const reservationsRepo = (db: Database) => {
  const q = {
    // Running totals, kept by the trigger on llm_usage (migration 013).
    userSpent: db.query<SpendRow, [string, string]>(
      "SELECT cost, unknown FROM llm_spend WHERE user_id = ? AND month = ?",
    ),
    sessionSpent: db.query<SpendRow, [string]>(
      "SELECT cost, unknown FROM llm_session_spend WHERE session_id = ?",
    ),
    userReserved: db.query<{ amount: number }, [string, number]>(
      "SELECT COALESCE(SUM(amount), 0) AS amount FROM llm_reservations WHERE user_id = ? AND expires_at > ?",
    ),
    sessionReserved: db.query<{ amount: number }, [string, number]>(
      "SELECT COALESCE(SUM(amount), 0) AS amount FROM llm_reservations WHERE session_id = ? AND expires_at > ?",
    ),
    usageCalls: db.query<{ n: number; oldest: number | null }, [string, number]>(
      "SELECT COUNT(*) AS n, MIN(ts) AS oldest FROM llm_usage WHERE user_id = ? AND ts >= ?",
    ),
    reservedCalls: db.query<{ n: number; oldest: number | null }, [string, number, number]>(
      "SELECT COUNT(*) AS n, MIN(ts) AS oldest FROM llm_reservations WHERE user_id = ? AND ts >= ? AND expires_at > ?",
    ),
    insert: db.query<{ id: number }, Record<string, string | number>>(
      `INSERT INTO llm_reservations (user_id, session_id, ts, amount, expires_at)
       VALUES ($user_id, $session_id, $ts, $amount, $expires_at) RETURNING id`,
    ),
    remove: db.query("DELETE FROM llm_reservations WHERE id = ?"),
    purge: db.query("DELETE FROM llm_reservations WHERE expires_at <= ?"),
  };
  return {
    /** Runs `fn` holding SQLite's write lock (BEGIN IMMEDIATE): one decision at a time, across processes. */
    locked<T>(fn: () => T): T {
      return db.transaction(fn).immediate();
    },
    /** A user's spend in a calendar month ("2026-12", UTC, by when each call started). */
    userSpent: (userId: string, month: string): SpendRow => q.userSpent.get(userId, month) ?? NONE,
    sessionSpent: (sessionId: string): SpendRow => q.sessionSpent.get(sessionId) ?? NONE,
    userReserved: (userId: string, now: number): number => q.userReserved.get(userId, now)?.amount ?? 0,
    sessionReserved: (sessionId: string, now: number): number =>
      q.sessionReserved.get(sessionId, now)?.amount ?? 0,
    /** Calls started since `since`: settled ones and ones in flight, with the oldest start. */
    callsSince(userId: string, since: number, now: number): { n: number; oldest: number | null } {
      const a = q.usageCalls.get(userId, since) ?? { n: 0, oldest: null };
      const b = q.reservedCalls.get(userId, since, now) ?? { n: 0, oldest: null };
      const starts = [a.oldest, b.oldest].filter((x): x is number => x !== null);
      return { n: a.n + b.n, oldest: starts.length ? Math.min(...starts) : null };
    },
    insert: (row: ReservationRow): number => (q.insert.get({ ...row }) as { id: number }).id,
    remove: (id: number): void => {
      q.remove.run(id);
    },
    purgeExpired: (now: number): void => {
      q.purge.run(now);
    },
  };
};

export interface BudgetEventRow {
  id: number;
  ts: number;
  user_id: string;
  session_id: string;
  scope: "monthly" | "session";
  period: string;
  limit_usd: number;
}

export const budgetEventsRepo = (db: Database) => ({
  /** True when this is the first such event for the user, scope and period. */
  record(row: Omit<BudgetEventRow, "id">): boolean {
    return (
      db
        .query(
          `INSERT OR IGNORE INTO llm_budget_events (ts, user_id, session_id, scope, period, limit_usd)
           VALUES ($ts, $user_id, $session_id, $scope, $period, $limit_usd)`,
        )
        .run({ ...row }).changes > 0
    );
  },
  after(id: number, limit = 100): BudgetEventRow[] {
    return db
      .query<BudgetEventRow, [number, number]>(
        "SELECT * FROM llm_budget_events WHERE id > ? ORDER BY id LIMIT ?",
      )
      .all(id, limit);
  },
  lastId(): number {
    return db.query<{ id: number | null }, []>("SELECT MAX(id) AS id FROM llm_budget_events").get()?.id ?? 0;
  },
});

import type { Migration } from "../db.ts";

/**
 * Budgets (decision 0023): per-user limit overrides set by an admin, the gateway's reservations for
 * calls in flight, and usage rows whose price was unknown.
 */
export const m009: Migration = {
  version: 9,
  name: "llm budgets: user limits, reservations, unknown prices",
  sql: `
CREATE TABLE llm_user_limits (
  user_id TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  -- NULL: the config default ([llm.limits]); 0: no limit; otherwise the limit.
  user_monthly_usd REAL,
  session_usd REAL,
  user_rpm INTEGER,
  updated_at INTEGER NOT NULL,
  updated_by TEXT
);

CREATE TABLE llm_reservations (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id TEXT NOT NULL,
  session_id TEXT NOT NULL,
  ts INTEGER NOT NULL,
  amount REAL NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX llm_reservations_user ON llm_reservations(user_id, ts);
CREATE INDEX llm_reservations_session ON llm_reservations(session_id);
CREATE INDEX llm_reservations_expiry ON llm_reservations(expires_at);

ALTER TABLE llm_usage ADD COLUMN cost_known INTEGER NOT NULL DEFAULT 1;
CREATE INDEX llm_usage_ts ON llm_usage(ts);

-- Running totals kept by a trigger, so a budget check reads one row instead of summing a month.
CREATE TABLE llm_spend (
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  month TEXT NOT NULL,
  cost REAL NOT NULL,
  unknown INTEGER NOT NULL,
  PRIMARY KEY (user_id, month)
) WITHOUT ROWID;
CREATE TABLE llm_session_spend (
  session_id TEXT PRIMARY KEY,
  cost REAL NOT NULL,
  unknown INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO llm_spend (user_id, month, cost, unknown)
  SELECT user_id, strftime('%Y-%m', ts / 1000, 'unixepoch'), SUM(cost), 0 FROM llm_usage
  GROUP BY user_id, strftime('%Y-%m', ts / 1000, 'unixepoch');
INSERT INTO llm_session_spend (session_id, cost, unknown)
  SELECT session_id, SUM(cost), 0 FROM llm_usage GROUP BY session_id;
-- budget.reached, once per user, scope and period whichever gateway saw it; the server reads it on.
CREATE TABLE llm_budget_events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  ts INTEGER NOT NULL,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  session_id TEXT NOT NULL,
  scope TEXT NOT NULL CHECK (scope IN ('monthly', 'session')),
  period TEXT NOT NULL,
  limit_usd REAL NOT NULL,
  UNIQUE (user_id, scope, period)
);

CREATE TRIGGER llm_usage_spend AFTER INSERT ON llm_usage BEGIN
  INSERT INTO llm_spend (user_id, month, cost, unknown)
    VALUES (NEW.user_id, strftime('%Y-%m', NEW.ts / 1000, 'unixepoch'),
      CASE WHEN NEW.cost_known THEN NEW.cost ELSE 0 END, 1 - NEW.cost_known)
    ON CONFLICT (user_id, month) DO UPDATE SET cost = cost + excluded.cost, unknown = unknown + excluded.unknown;
  INSERT INTO llm_session_spend (session_id, cost, unknown)
    VALUES (NEW.session_id, CASE WHEN NEW.cost_known THEN NEW.cost ELSE 0 END, 1 - NEW.cost_known)
    ON CONFLICT (session_id) DO UPDATE SET cost = cost + excluded.cost, unknown = unknown + excluded.unknown;
END;
`,
};

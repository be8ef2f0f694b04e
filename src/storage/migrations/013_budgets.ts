import type { Migration } from "../db.ts";

/**
 * Budgets (decision 0023): per-user limit overrides set by an admin, the gateway's reservations for
 * calls in flight, and usage rows whose price was unknown. The file is numbered 013 as assigned;
 * `version` is the next free number on this branch (the lead renumbers at merge).
 */
export const m013: Migration = {
  version: 8,
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
`,
};

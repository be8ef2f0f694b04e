import type { Migration } from "../db.ts";

/**
 * Schedules and webhooks: what starts agent runs while nobody watches, and each run's record.
 * A run points at its conversation (`session_id`); deliveries remember webhook delivery ids for
 * the replay window.
 */
export const m010: Migration = {
  version: 10,
  name: "schedules, webhooks, runs",
  sql: `
CREATE TABLE schedules (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  cron TEXT,
  timezone TEXT NOT NULL,
  at INTEGER,
  prompt TEXT NOT NULL,
  model TEXT,
  thinking TEXT,
  spend_cap REAL,
  state TEXT NOT NULL CHECK (state IN ('active', 'paused', 'proposed', 'done')),
  next_run_at INTEGER,
  proposed_by TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  CHECK ((cron IS NULL) <> (at IS NULL))
);
CREATE INDEX schedules_project ON schedules(project_id);
CREATE INDEX schedules_due ON schedules(next_run_at) WHERE state = 'active';

CREATE TABLE hooks (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  template TEXT NOT NULL,
  model TEXT,
  thinking TEXT,
  spend_cap REAL,
  secret TEXT NOT NULL,
  enabled INTEGER NOT NULL DEFAULT 1,
  rate_per_minute INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  last_delivery_at INTEGER
);
CREATE INDEX hooks_project ON hooks(project_id);

CREATE TABLE hook_deliveries (
  hook_id TEXT NOT NULL REFERENCES hooks(id) ON DELETE CASCADE,
  delivery_id TEXT NOT NULL,
  at INTEGER NOT NULL,
  PRIMARY KEY (hook_id, delivery_id)
) WITHOUT ROWID;
CREATE INDEX hook_deliveries_at ON hook_deliveries(at);

CREATE TABLE schedule_runs (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  schedule_id TEXT REFERENCES schedules(id) ON DELETE SET NULL,
  hook_id TEXT REFERENCES hooks(id) ON DELETE SET NULL,
  title TEXT NOT NULL,
  trigger TEXT NOT NULL,
  due_at INTEGER NOT NULL,
  started_at INTEGER,
  finished_at INTEGER,
  outcome TEXT NOT NULL CHECK (outcome IN ('running', 'ok', 'failed', 'skipped', 'missed')),
  reason TEXT,
  cost REAL NOT NULL DEFAULT 0,
  session_id TEXT,
  spend_cap REAL
);
CREATE INDEX schedule_runs_project ON schedule_runs(project_id, due_at);
CREATE INDEX schedule_runs_schedule ON schedule_runs(schedule_id, due_at);
CREATE INDEX schedule_runs_running ON schedule_runs(outcome) WHERE outcome = 'running';
`,
};

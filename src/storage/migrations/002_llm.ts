import type { Migration } from "../db.ts";

export const m002: Migration = {
  version: 2,
  name: "llm providers, session proxy tokens, usage",
  sql: `
CREATE TABLE llm_providers (
  name TEXT PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('openai', 'anthropic')),
  base_url TEXT NOT NULL,
  api_key_env TEXT,
  api_key_file TEXT,
  api_key TEXT,
  models TEXT NOT NULL DEFAULT '[]',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

CREATE TABLE llm_tokens (
  hash TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  project_id TEXT NOT NULL,
  session_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  last_used_at INTEGER,
  revoked_at INTEGER
);
CREATE INDEX llm_tokens_session ON llm_tokens(session_id);

CREATE TABLE llm_usage (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  ts INTEGER NOT NULL,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  project_id TEXT NOT NULL,
  session_id TEXT NOT NULL,
  provider TEXT NOT NULL,
  model TEXT NOT NULL,
  status INTEGER NOT NULL,
  input_tokens INTEGER NOT NULL,
  output_tokens INTEGER NOT NULL,
  cache_read_tokens INTEGER NOT NULL,
  cache_write_tokens INTEGER NOT NULL,
  cost REAL NOT NULL,
  duration_ms INTEGER NOT NULL
);
CREATE INDEX llm_usage_user ON llm_usage(user_id, ts);
CREATE INDEX llm_usage_session ON llm_usage(session_id);
CREATE INDEX llm_usage_project ON llm_usage(project_id);
`,
};

import type { Migration } from "../db.ts";

/** Per-session tool-socket tokens (decision 0010): one live token per session, stored hashed. */
export const m005: Migration = {
  version: 5,
  name: "tool tokens",
  sql: `
CREATE TABLE tool_tokens (
  hash TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  project_id TEXT NOT NULL,
  session_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  last_used_at INTEGER,
  revoked_at INTEGER
);
CREATE INDEX tool_tokens_session ON tool_tokens(session_id);
`,
};

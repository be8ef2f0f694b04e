import type { Migration } from "../db.ts";

export const m003: Migration = {
  version: 3,
  name: "session runtime: runner process, fork parent, activity",
  sql: `
ALTER TABLE sessions ADD COLUMN proc_id TEXT;
ALTER TABLE sessions ADD COLUMN parent_id TEXT;
ALTER TABLE sessions ADD COLUMN last_active_at INTEGER NOT NULL DEFAULT 0;
CREATE INDEX sessions_status ON sessions(status);
`,
};

import type { Migration } from "../db.ts";

export const m006: Migration = {
  version: 6,
  name: "server settings changed by an admin at run time (override config.toml)",
  sql: `
CREATE TABLE server_settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;
`,
};

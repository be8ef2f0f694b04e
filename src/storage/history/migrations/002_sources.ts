import type { Migration } from "../../db.ts";

export const h002: Migration = {
  version: 2,
  name: "source watermark: the last runner event stored per session",
  sql: `
CREATE TABLE sources (
  session_id TEXT PRIMARY KEY,
  proc TEXT NOT NULL,
  seq INTEGER NOT NULL
) WITHOUT ROWID;
`,
};

import type { Migration } from "../db.ts";

export const m004: Migration = {
  version: 4,
  name: "revoked sign-ins (logout), kept until their last token has expired",
  sql: `
CREATE TABLE revoked_sessions (
  sid TEXT PRIMARY KEY,
  until INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX revoked_sessions_until ON revoked_sessions(until);
`,
};

import type { Migration } from "../db.ts";

/**
 * Conversations shared read-only (issue 15, decision 0029). `grantee` is a user id, or `*` for
 * everyone signed in to this server; a share goes with its conversation (and a named grantee's with
 * their account) by the foreign keys. `created_by` is kept for the record of who shared it.
 */
export const m015: Migration = {
  version: 15,
  name: "session_shares",
  sql: `
CREATE TABLE session_shares (
  session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  grantee TEXT NOT NULL,
  grantee_user TEXT REFERENCES users(id) ON DELETE CASCADE,
  created_by TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (session_id, grantee),
  CHECK ((grantee = '*' AND grantee_user IS NULL) OR grantee = grantee_user)
);
CREATE INDEX session_shares_grantee ON session_shares(grantee, session_id);
`,
};

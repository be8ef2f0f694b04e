import type { Migration } from "../db.ts";

/**
 * Git from the UI (decisions/0025): a person's e-mail (commit author; empty means
 * `<username>@users.octo`), and their tokens per remote host. A token is stored like a provider's
 * API key (in the server's database, readable by the server only), written by its owner and never
 * returned: it leaves the server only in the request that makes the runner push, pull or clone.
 */
export const m014: Migration = {
  version: 14,
  name: "git credentials and account e-mail",
  sql: `
ALTER TABLE users ADD COLUMN email TEXT;
CREATE TABLE git_credentials (
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  host TEXT NOT NULL,
  username TEXT NOT NULL,
  token TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (user_id, host)
);
`,
};

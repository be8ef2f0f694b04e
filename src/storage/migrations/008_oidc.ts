import type { Migration } from "../db.ts";

/**
 * Single sign-on (decision 0022). Reserved number 012; numbered 8 on the `oidc` branch, whose
 * migrations must stay 1..n without gaps. The lead renumbers at merge.
 */
export const m008: Migration = {
  version: 8,
  name: "single sign-on identities (provider, sub) and the ID tokens RP-initiated logout hints with",
  sql: `
CREATE TABLE user_identities (
  provider TEXT NOT NULL,
  subject TEXT NOT NULL,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL,
  last_sign_in_at INTEGER,
  PRIMARY KEY (provider, subject)
) WITHOUT ROWID;
CREATE UNIQUE INDEX user_identities_user ON user_identities(user_id, provider);

CREATE TABLE oidc_sign_ins (
  sid TEXT PRIMARY KEY,
  provider TEXT NOT NULL,
  id_token TEXT NOT NULL,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;
`,
};

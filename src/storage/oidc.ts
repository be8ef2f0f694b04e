import type { Database } from "bun:sqlite";

export interface IdentityRow {
  provider: string;
  subject: string;
  user_id: string;
  created_at: number;
  last_sign_in_at: number | null;
}

/** SQL for single sign-on: which (provider, sub) is which account, and ID tokens kept for logout. */
export const oidcRepo = (db: Database) => ({
  identity(provider: string, subject: string): IdentityRow | null {
    return db
      .query<IdentityRow, [string, string]>(
        "SELECT * FROM user_identities WHERE provider = ? AND subject = ?",
      )
      .get(provider, subject);
  },
  identitiesOf(userId: string): IdentityRow[] {
    return db
      .query<IdentityRow, [string]>("SELECT * FROM user_identities WHERE user_id = ? ORDER BY provider")
      .all(userId);
  },
  allIdentities(): IdentityRow[] {
    return db.query<IdentityRow, []>("SELECT * FROM user_identities ORDER BY user_id, provider").all();
  },
  /** Throws on a UNIQUE conflict (the identity or the user's link to this provider exists). */
  link(row: Omit<IdentityRow, "last_sign_in_at">): void {
    db.query(
      `INSERT INTO user_identities (provider, subject, user_id, created_at, last_sign_in_at)
       VALUES ($provider, $subject, $user_id, $created_at, NULL)`,
    ).run(row);
  },
  unlink(userId: string, provider: string): boolean {
    return (
      db.query("DELETE FROM user_identities WHERE user_id = ? AND provider = ?").run(userId, provider)
        .changes > 0
    );
  },
  touch(provider: string, subject: string, now: number): void {
    db.query("UPDATE user_identities SET last_sign_in_at = ? WHERE provider = ? AND subject = ?").run(
      now,
      provider,
      subject,
    );
  },
  rememberIdToken(sid: string, provider: string, idToken: string, expiresAt: number, now: number): void {
    db.query("DELETE FROM oidc_sign_ins WHERE expires_at < ?").run(now);
    db.query(
      "INSERT OR REPLACE INTO oidc_sign_ins (sid, provider, id_token, expires_at) VALUES (?, ?, ?, ?)",
    ).run(sid, provider, idToken, expiresAt);
  },
  /** The ID token a sign-in began with (read once, at its logout). */
  takeIdToken(sid: string): { provider: string; id_token: string } | null {
    const row = db
      .query<{ provider: string; id_token: string }, [string]>(
        "SELECT provider, id_token FROM oidc_sign_ins WHERE sid = ?",
      )
      .get(sid);
    if (row) db.query("DELETE FROM oidc_sign_ins WHERE sid = ?").run(sid);
    return row;
  },
});

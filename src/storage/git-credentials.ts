import type { Database } from "bun:sqlite";

export interface GitCredentialRow {
  user_id: string;
  host: string;
  username: string;
  token: string;
  created_at: number;
  updated_at: number;
}

/** SQL for git_credentials: one token per (user, remote host). Only the server reads `token`. */
export const gitCredentialsRepo = (db: Database) => ({
  list(userId: string): Omit<GitCredentialRow, "token" | "user_id">[] {
    return db
      .query<Omit<GitCredentialRow, "token" | "user_id">, [string]>(
        "SELECT host, username, created_at, updated_at FROM git_credentials WHERE user_id = ? ORDER BY host",
      )
      .all(userId);
  },
  get(userId: string, host: string): GitCredentialRow | null {
    return db
      .query<GitCredentialRow, [string, string]>(
        "SELECT * FROM git_credentials WHERE user_id = ? AND host = ?",
      )
      .get(userId, host);
  },
  put(row: GitCredentialRow): void {
    db.query(
      `INSERT INTO git_credentials (user_id, host, username, token, created_at, updated_at)
       VALUES ($user_id, $host, $username, $token, $created_at, $updated_at)
       ON CONFLICT (user_id, host) DO UPDATE SET username = $username, token = $token, updated_at = $updated_at`,
    ).run({ ...row });
  },
  remove(userId: string, host: string): boolean {
    return (
      db.query("DELETE FROM git_credentials WHERE user_id = ? AND host = ?").run(userId, host).changes > 0
    );
  },
});

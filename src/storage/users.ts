import type { Database } from "bun:sqlite";

export type Role = "admin" | "user";

export interface UserRow {
  id: string;
  username: string;
  password_hash: string;
  role: Role;
  disabled: number;
  token_version: number;
  linux_user: string | null;
  /** Commit author e-mail; null: `<username>@users.octo`. */
  email?: string | null;
  created_at: number;
  updated_at: number;
}

/** SQL for the users table. Callers hash passwords and mint ids; this file only stores. */
export const usersRepo = (db: Database) => ({
  count(): number {
    return db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM users").get()?.n ?? 0;
  },
  /** Admins who can still sign in: the last one may not be disabled or deleted. */
  countEnabledAdmins(): number {
    return (
      db
        .query<{ n: number }, []>("SELECT COUNT(*) AS n FROM users WHERE role = 'admin' AND disabled = 0")
        .get()?.n ?? 0
    );
  },
  byId(id: string): UserRow | null {
    return db.query<UserRow, [string]>("SELECT * FROM users WHERE id = ?").get(id);
  },
  usernameOf(id: string): string | null {
    return (
      db.query<{ username: string }, [string]>("SELECT username FROM users WHERE id = ?").get(id)?.username ??
      null
    );
  },
  byUsername(username: string): UserRow | null {
    return db.query<UserRow, [string]>("SELECT * FROM users WHERE username = ?").get(username);
  },
  list(): UserRow[] {
    return db.query<UserRow, []>("SELECT * FROM users ORDER BY created_at, id").all();
  },
  insert(row: Omit<UserRow, "disabled" | "token_version"> & { disabled?: number }): void {
    db.query(
      `INSERT INTO users (id, username, password_hash, role, disabled, token_version, linux_user, created_at, updated_at)
       VALUES ($id, $username, $password_hash, $role, $disabled, 0, $linux_user, $created_at, $updated_at)`,
    ).run({ ...row, disabled: row.disabled ?? 0 });
  },
  setDisabled(id: string, disabled: boolean, now: number): boolean {
    // Bumping token_version makes every live token of this user stop working at once.
    return (
      db
        .query(
          "UPDATE users SET disabled = ?, token_version = token_version + 1, updated_at = ? WHERE id = ?",
        )
        .run(disabled ? 1 : 0, now, id).changes > 0
    );
  },
  setPassword(id: string, hash: string, now: number): boolean {
    return (
      db
        .query(
          "UPDATE users SET password_hash = ?, token_version = token_version + 1, updated_at = ? WHERE id = ?",
        )
        .run(hash, now, id).changes > 0
    );
  },
  setEmail(id: string, email: string | null, now: number): void {
    db.query("UPDATE users SET email = ?, updated_at = ? WHERE id = ?").run(email, now, id);
  },
  setRole(id: string, role: Role, now: number): void {
    db.query("UPDATE users SET role = ?, updated_at = ? WHERE id = ?").run(role, now, id);
  },
  bumpTokenVersion(id: string, now: number): void {
    db.query("UPDATE users SET token_version = token_version + 1, updated_at = ? WHERE id = ?").run(now, id);
  },
  delete(id: string): boolean {
    return db.query("DELETE FROM users WHERE id = ?").run(id).changes > 0;
  },
});

export type UsersRepo = ReturnType<typeof usersRepo>;

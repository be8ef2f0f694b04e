import type { Database } from "bun:sqlite";

/** SQL for settings an admin changes at run time; each key's value wins over config.toml. */
export const serverSettingsRepo = (db: Database) => ({
  get(key: string): string | null {
    return (
      db.query<{ value: string }, [string]>("SELECT value FROM server_settings WHERE key = ?").get(key)
        ?.value ?? null
    );
  },
  set(key: string, value: string, now: number): void {
    db.query(
      `INSERT INTO server_settings (key, value, updated_at) VALUES (?, ?, ?)
       ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
    ).run(key, value, now);
  },
  delete(key: string): void {
    db.query("DELETE FROM server_settings WHERE key = ?").run(key);
  },
});

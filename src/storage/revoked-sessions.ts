import type { Database } from "bun:sqlite";

/** SQL for signed-out sign-ins (`sid` of a session token). A row outlives every token of its sign-in. */
export const revokedSessionsRepo = (db: Database) => ({
  revoke(sid: string, until: number, now: number): void {
    db.transaction(() => {
      // Rows whose tokens have all expired protect nothing: drop them on the way.
      db.query("DELETE FROM revoked_sessions WHERE until <= ?").run(now);
      db.query(
        "INSERT INTO revoked_sessions (sid, until) VALUES (?, ?) ON CONFLICT(sid) DO UPDATE SET until = max(until, excluded.until)",
      ).run(sid, until);
    })();
  },
  isRevoked(sid: string): boolean {
    return (
      db.query<{ one: number }, [string]>("SELECT 1 AS one FROM revoked_sessions WHERE sid = ?").get(sid) !==
      null
    );
  },
});

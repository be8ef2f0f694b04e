import type { Database } from "bun:sqlite";
import type { Role } from "./users.ts";

export interface InviteRow {
  code: string;
  created_by: string | null;
  note: string;
  role: Role;
  max_uses: number;
  uses: number;
  expires_at: number | null;
  revoked_at: number | null;
  created_at: number;
}

/** SQL for the invites table. Codes are minted by the caller; consumption is one guarded UPDATE. */
export const invitesRepo = (db: Database) => ({
  insert(row: Omit<InviteRow, "uses" | "revoked_at">): void {
    db.query(
      `INSERT INTO invites (code, created_by, note, role, max_uses, uses, expires_at, revoked_at, created_at)
       VALUES ($code, $created_by, $note, $role, $max_uses, 0, $expires_at, NULL, $created_at)`,
    ).run(row);
  },
  byCode(code: string): InviteRow | null {
    return db.query<InviteRow, [string]>("SELECT * FROM invites WHERE code = ?").get(code);
  },
  list(): InviteRow[] {
    return db.query<InviteRow, []>("SELECT * FROM invites ORDER BY created_at DESC, code").all();
  },
  revoke(code: string, now: number): boolean {
    return (
      db.query("UPDATE invites SET revoked_at = COALESCE(revoked_at, ?) WHERE code = ?").run(now, code)
        .changes > 0
    );
  },
  /**
   * Take one use if the invite is usable right now. The WHERE clause is the whole check, so two
   * concurrent signups cannot both take the last use.
   */
  consume(code: string, now: number): boolean {
    return (
      db
        .query(
          `UPDATE invites SET uses = uses + 1
           WHERE code = ? AND revoked_at IS NULL AND uses < max_uses AND (expires_at IS NULL OR expires_at > ?)`,
        )
        .run(code, now).changes > 0
    );
  },
});

export type InvitesRepo = ReturnType<typeof invitesRepo>;

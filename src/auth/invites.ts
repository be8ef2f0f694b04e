import type { Database } from "bun:sqlite";
import type { Invite, Role } from "../protocol/api.ts";
import { fail, ok, type Result } from "../protocol/errors.ts";
import { type InviteRow, invitesRepo } from "../storage/invites.ts";
import { type UserRow, usersRepo } from "../storage/users.ts";
import { randomGroups } from "./passwords.ts";
import { checkNewCredentials, newUserRow, taken } from "./users.ts";

export interface NewInvite {
  max_uses: number;
  /** Seconds from now; undefined = never expires. */
  expires_in?: number;
  note: string;
  role: Role;
}

export const isUsable = (row: InviteRow, now = Date.now()): boolean =>
  row.revoked_at === null && row.uses < row.max_uses && (row.expires_at === null || row.expires_at > now);

export const publicInvite = (row: InviteRow, now = Date.now()): Invite => ({
  code: row.code,
  note: row.note,
  role: row.role,
  max_uses: row.max_uses,
  uses: row.uses,
  expires_at: row.expires_at,
  revoked: row.revoked_at !== null,
  created_at: row.created_at,
  usable: isUsable(row, now),
});

/** ~99 bits from an unambiguous alphabet: unguessable, and easy to read out or type. */
export const generateInviteCode = (): string => randomGroups(4, 5);

export function createInvite(db: Database, input: NewInvite, createdBy: string | null, now = Date.now()) {
  const row = {
    code: generateInviteCode(),
    created_by: createdBy,
    note: input.note,
    role: input.role,
    max_uses: input.max_uses,
    expires_at: input.expires_in === undefined ? null : now + input.expires_in * 1000,
    created_at: now,
  };
  invitesRepo(db).insert(row);
  return invitesRepo(db).byCode(row.code) as InviteRow;
}

export function revokeInvite(db: Database, code: string, now = Date.now()): Result<null> {
  return invitesRepo(db).revoke(code, now) ? ok(null) : fail("not_found", "no such invite");
}

/** Whether a code names an invite at all (usable or not): unknown codes are what a guesser sends. */
export const inviteExists = (db: Database, code: string): boolean => invitesRepo(db).byCode(code) !== null;

/** Why an invite cannot be used, for a clear message. */
function whyUnusable(row: InviteRow | null, now: number): string {
  if (!row) return "this invite code does not exist";
  if (row.revoked_at !== null) return "this invite has been revoked";
  if (row.expires_at !== null && row.expires_at <= now) return "this invite has expired";
  return "this invite has already been used";
}

export interface SignupInput {
  invite_code: string;
  username: string;
  password: string;
  linuxPrefix?: string;
}

/**
 * Create an account from an invite. The password is hashed first (slow, async); then one immediate
 * transaction takes a use of the invite with a guarded UPDATE and inserts the user, so of two
 * concurrent signups on a last use exactly one wins, and a taken name consumes nothing.
 */
export async function signup(db: Database, input: SignupInput, now = Date.now()): Promise<Result<UserRow>> {
  const checked = checkNewCredentials(input.username, input.password);
  if (!checked.ok) return checked;
  const invites = invitesRepo(db);
  const preview = invites.byCode(input.invite_code);
  // Fail fast without hashing when the invite is plainly unusable; the transaction re-checks.
  if (!preview || !isUsable(preview, now)) return fail("invite_invalid", whyUnusable(preview, now));
  const row = await newUserRow({ ...input, role: preview.role }, now);
  const users = usersRepo(db);
  return db
    .transaction((): Result<UserRow> => {
      if (users.byUsername(input.username)) return taken(input.username);
      if (!invites.consume(input.invite_code, now))
        return fail("invite_invalid", whyUnusable(invites.byCode(input.invite_code), now));
      users.insert(row);
      return ok(users.byId(row.id) as UserRow);
    })
    .immediate();
}

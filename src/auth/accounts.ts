import type { Database } from "bun:sqlite";
import { rmSync } from "node:fs";
import { Password } from "../protocol/api.ts";
import { decode } from "../protocol/decode.ts";
import { fail, ok, type Result } from "../protocol/errors.ts";
import { type UserRow, usersRepo } from "../storage/users.ts";
import { hashPassword, verifyPassword } from "./passwords.ts";

/** Administration of existing accounts. "Last admin" is checked inside the write's transaction. */

const notFound = () => fail("not_found", "no such user");

function guardLastAdmin(db: Database, user: UserRow, action: string): Result<null> {
  const stillAdmin = user.role === "admin" && !user.disabled;
  if (stillAdmin && usersRepo(db).countEnabledAdmins() <= 1) {
    return fail("conflict", `cannot ${action} ${user.username}: it is the last enabled admin`);
  }
  return ok(null);
}

export function setUserDisabled(
  db: Database,
  id: string,
  disabled: boolean,
  now = Date.now(),
): Result<UserRow> {
  const users = usersRepo(db);
  return db
    .transaction((): Result<UserRow> => {
      const user = users.byId(id);
      if (!user) return notFound();
      // Already so: nothing to do, and enabling twice must not end the user's sessions.
      if (Boolean(user.disabled) === disabled) return ok(user);
      if (disabled) {
        const guard = guardLastAdmin(db, user, "disable");
        if (!guard.ok) return guard;
      }
      users.setDisabled(id, disabled, now);
      return ok(users.byId(id) as UserRow);
    })
    .immediate();
}

/**
 * Delete a user and everything of theirs: rows cascade in SQL, and their per-user data directory
 * (history database) goes with them.
 */
export function deleteUser(db: Database, id: string, userDataDir: (id: string) => string): Result<UserRow> {
  const users = usersRepo(db);
  const deleted = db
    .transaction((): Result<UserRow> => {
      const user = users.byId(id);
      if (!user) return notFound();
      const guard = guardLastAdmin(db, user, "delete");
      if (!guard.ok) return guard;
      users.delete(id);
      return ok(user);
    })
    .immediate();
  if (deleted.ok) rmSync(userDataDir(id), { recursive: true, force: true });
  return deleted;
}

/** An administrator sets a new password; the user's live sessions end. */
export async function resetPassword(
  db: Database,
  id: string,
  password: string,
  now = Date.now(),
): Promise<Result<UserRow>> {
  const pw = decode(Password, password, "password");
  if (!pw.ok) return pw;
  const users = usersRepo(db);
  if (!users.byId(id)) return notFound();
  if (!users.setPassword(id, await hashPassword(password), now)) return notFound();
  return ok(users.byId(id) as UserRow);
}

/** A user changes their own password, proving the current one; every live session ends. */
export async function changeOwnPassword(
  db: Database,
  id: string,
  current: string,
  next: string,
  now = Date.now(),
): Promise<Result<UserRow>> {
  const users = usersRepo(db);
  const user = users.byId(id);
  if (!user) return notFound();
  if (!(await verifyPassword(current, user.password_hash)))
    return fail("wrong_password", "the current password is wrong");
  return resetPassword(db, id, next, now);
}

import type { Database } from "bun:sqlite";
import { fail, ok, type Result } from "../protocol/errors.ts";
import { type UserRow, usersRepo } from "../storage/users.ts";
import { verifyAgainstNobody, verifyPassword } from "./passwords.ts";

const WRONG = "wrong user name or password";

/**
 * Check a user name and password. An unknown name costs a full hash too and gets the same answer
 * as a wrong password, so neither timing nor message tells which names exist.
 */
export async function checkCredentials(
  db: Database,
  username: string,
  password: string,
): Promise<Result<UserRow>> {
  const user = usersRepo(db).byUsername(username);
  if (!user) {
    await verifyAgainstNobody(password);
    return fail("invalid_credentials", WRONG);
  }
  if (!(await verifyPassword(password, user.password_hash))) return fail("invalid_credentials", WRONG);
  // Only someone who knows the password learns that the account is disabled.
  if (user.disabled) return fail("account_disabled", "this account is disabled; ask an administrator");
  return ok(user);
}

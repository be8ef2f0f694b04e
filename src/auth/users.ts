import type { Database } from "bun:sqlite";
import * as v from "valibot";
import { fail, ok, type Result } from "../protocol/errors.ts";
import { newId } from "../protocol/ids.ts";
import { type Role, type UserRow, usersRepo } from "../storage/users.ts";
import { hashPassword } from "./passwords.ts";

/** A platform user name must also work as a Linux user name (with our prefix). */
export const USERNAME = v.pipe(
  v.string(),
  v.regex(/^[a-z][a-z0-9_-]{0,30}$/, "a user name is 1-31 characters: a-z first, then a-z, 0-9, _ or -"),
);
export const PASSWORD = v.pipe(
  v.string(),
  v.minLength(8, "a password has at least 8 characters"),
  v.maxLength(1024, "a password has at most 1024 characters"),
);

export interface PublicUser {
  id: string;
  username: string;
  role: Role;
  disabled: boolean;
  created_at: number;
}

export const publicUser = (u: UserRow): PublicUser => ({
  id: u.id,
  username: u.username,
  role: u.role,
  disabled: u.disabled === 1,
  created_at: u.created_at,
});

export interface CreateUserInput {
  username: string;
  password: string;
  role: Role;
  linuxPrefix?: string;
}

export async function createUser(
  db: Database,
  input: CreateUserInput,
  now = Date.now(),
): Promise<Result<UserRow>> {
  const name = v.safeParse(USERNAME, input.username);
  if (!name.success) return fail("validation_failed", name.issues[0].message);
  const pw = v.safeParse(PASSWORD, input.password);
  if (!pw.success) return fail("validation_failed", pw.issues[0].message);
  const users = usersRepo(db);
  if (users.byUsername(input.username))
    return fail("username_taken", `user ${input.username} already exists`);
  const row = {
    id: newId("usr", now),
    username: input.username,
    password_hash: await hashPassword(input.password),
    role: input.role,
    linux_user: input.linuxPrefix ? `${input.linuxPrefix}${input.username}` : null,
    created_at: now,
    updated_at: now,
  };
  try {
    users.insert(row);
  } catch (e) {
    // Two concurrent creations of one name: the UNIQUE constraint decides.
    if (String(e).includes("UNIQUE")) return fail("username_taken", `user ${input.username} already exists`);
    throw e;
  }
  const created = users.byId(row.id);
  if (!created) throw new Error("user vanished after insert");
  return ok(created);
}

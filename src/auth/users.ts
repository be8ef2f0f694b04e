import type { Database } from "bun:sqlite";
import { Password, type User, Username } from "../protocol/api.ts";
import { decode } from "../protocol/decode.ts";
import { fail, ok, type Result } from "../protocol/errors.ts";
import { newId } from "../protocol/ids.ts";
import { type Role, type UserRow, usersRepo } from "../storage/users.ts";
import { hashPassword } from "./passwords.ts";

export const publicUser = (u: UserRow): User => ({
  id: u.id,
  username: u.username,
  role: u.role,
  disabled: u.disabled === 1,
  created_at: u.created_at,
  email: u.email ?? null,
});

export interface CreateUserInput {
  username: string;
  password: string;
  role: Role;
  /** Set in multi-user mode: the platform user maps to Linux user `<prefix><username>`. */
  linuxPrefix?: string;
}

/** Check a new user's name and password against the wire contract (the same rules as the HTTP API). */
export function checkNewCredentials(username: string, password: string): Result<null> {
  const name = decode(Username, username, "username");
  if (!name.ok) return name;
  const pw = decode(Password, password, "password");
  return pw.ok ? ok(null) : pw;
}

/** The row to insert for a new user; hashing happens here, outside any transaction. */
export async function newUserRow(input: CreateUserInput, now: number) {
  return {
    id: newId("usr", now),
    username: input.username,
    password_hash: await hashPassword(input.password),
    role: input.role,
    linux_user: input.linuxPrefix ? `${input.linuxPrefix}${input.username}` : null,
    created_at: now,
    updated_at: now,
  };
}

export async function createUser(
  db: Database,
  input: CreateUserInput,
  now = Date.now(),
): Promise<Result<UserRow>> {
  const checked = checkNewCredentials(input.username, input.password);
  if (!checked.ok) return checked;
  const users = usersRepo(db);
  if (users.byUsername(input.username)) return taken(input.username);
  const row = await newUserRow(input, now);
  try {
    users.insert(row);
  } catch (e) {
    // Two concurrent creations of one name: the UNIQUE constraint decides.
    if (String(e).includes("UNIQUE")) return taken(input.username);
    throw e;
  }
  const created = users.byId(row.id);
  if (!created) throw new Error("user vanished after insert");
  return ok(created);
}

export const taken = (username: string) => fail("username_taken", `user ${username} already exists`);

import type { Database } from "bun:sqlite";
import { generatePassword } from "../auth/passwords.ts";
import { createUser } from "../auth/users.ts";
import { usersRepo } from "../storage/users.ts";

export interface FirstAdmin {
  username: string;
  password: string;
}

/**
 * On first start with an empty database, create an admin so the server is usable at once.
 * The credentials are returned for printing exactly once; only the hash is stored.
 */
export async function ensureFirstAdmin(db: Database, username = "admin"): Promise<FirstAdmin | null> {
  if (usersRepo(db).count() > 0) return null;
  const password = generatePassword();
  const created = await createUser(db, { username, password, role: "admin" });
  if (!created.ok) throw new Error(`cannot create the first admin: ${created.error.message}`);
  return { username, password };
}

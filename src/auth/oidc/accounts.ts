import type { Database } from "bun:sqlite";
import { fail, ok, type Result } from "../../protocol/errors.ts";
import { newId } from "../../protocol/ids.ts";
import { LINUX_NAME_MAX } from "../../shared/runner-layout.ts";
import { oidcRepo } from "../../storage/oidc.ts";
import { type UserRow, usersRepo } from "../../storage/users.ts";
import { groupsOf, mayUse, roleFrom } from "./claims.ts";
import type { OidcClient, VerifiedIdentity } from "./code-flow.ts";
import { deriveUsername } from "./username.ts";

/**
 * Accounts behind single sign-on. An identity is (provider name, `sub`): never an e-mail or a
 * user name, which a provider may let people change. The first sign-in of an allowed person makes
 * a new account under a fresh name; an existing account is joined to an identity only by an admin
 * (`linkIdentity`).
 */

/** Accounts made by single sign-on have no password: this never verifies as an argon2 hash. */
export const NO_PASSWORD = "!sso";

export interface AccountDeps {
  db: Database;
  /** Multi-user mode: the account's Linux user is `<prefix><name>` (made when its runner first starts). */
  linuxPrefix?: string;
  now: () => number;
  warn: (message: string, fields: Record<string, unknown>) => void;
}

/** The longest name that still fits `<prefix><name>` in Linux's 32 characters (and the Username rule's 31). */
export const maxNameLength = (linuxPrefix = "octo_"): number =>
  Math.min(31, LINUX_NAME_MAX - linuxPrefix.length);

/** The account for a verified identity: found, checked and updated, or made on first sign-in. */
export function accountFor(deps: AccountDeps, client: OidcClient, who: VerifiedIdentity): Result<UserRow> {
  const groups = groupsOf(who.claims, client.groups_claim) ?? [];
  const repo = oidcRepo(deps.db);
  const users = usersRepo(deps.db);
  const linked = repo.identity(client.name, who.sub);
  const existing = linked ? users.byId(linked.user_id) : null;
  if (existing?.disabled) return fail("account_disabled", "this account is disabled; ask an administrator");
  if (!mayUse(client, groups))
    return fail("oidc_group_denied", `your groups at ${displayName(client)} do not give access to octo`);
  const now = deps.now();
  const role = roleFrom(client, groups);
  if (existing) {
    repo.touch(client.name, who.sub, now);
    if (role && role !== existing.role) return ok(changeRole(deps, existing, role));
    return ok(existing);
  }
  return ok(provision(deps, client, who, role ?? "user"));
}

export const displayName = (client: { name: string; display_name: string }) =>
  client.display_name || client.name;

/** Roles follow `admin_groups` at each sign-in, but the last enabled admin is never demoted by it. */
function changeRole(deps: AccountDeps, user: UserRow, role: "admin" | "user"): UserRow {
  const users = usersRepo(deps.db);
  return deps.db
    .transaction(() => {
      if (role === "user" && user.role === "admin" && users.countEnabledAdmins() <= 1) {
        deps.warn("single sign-on would demote the last enabled admin; kept as admin", { user: user.id });
        return user;
      }
      users.setRole(user.id, role, deps.now());
      return users.byId(user.id) as UserRow;
    })
    .immediate();
}

function provision(
  deps: AccountDeps,
  client: OidcClient,
  who: VerifiedIdentity,
  role: "admin" | "user",
): UserRow {
  const users = usersRepo(deps.db);
  const repo = oidcRepo(deps.db);
  const now = deps.now();
  return deps.db
    .transaction(() => {
      // Inside the write transaction: the name chosen is free when the row goes in.
      const username = deriveUsername(who.claims, {
        maxLength: maxNameLength(deps.linuxPrefix),
        taken: (name) => users.byUsername(name) !== null,
      });
      const id = newId("usr", now);
      users.insert({
        id,
        username,
        password_hash: NO_PASSWORD,
        role,
        linux_user: deps.linuxPrefix ? `${deps.linuxPrefix}${username}` : null,
        created_at: now,
        updated_at: now,
      });
      repo.link({ provider: client.name, subject: who.sub, user_id: id, created_at: now });
      repo.touch(client.name, who.sub, now);
      return users.byId(id) as UserRow;
    })
    .immediate();
}

/** An admin joins an existing account to an identity at a configured provider. */
export function linkIdentity(
  db: Database,
  userId: string,
  provider: string,
  subject: string,
  now: number,
): Result<null> {
  if (!usersRepo(db).byId(userId)) return fail("not_found", "no such user");
  const repo = oidcRepo(db);
  const holder = repo.identity(provider, subject);
  if (holder)
    return fail(
      "conflict",
      holder.user_id === userId
        ? "this account is already linked to that identity"
        : "that identity already belongs to another account",
    );
  if (repo.identitiesOf(userId).some((i) => i.provider === provider))
    return fail("conflict", `this account is already linked to an identity at ${provider}; unlink it first`);
  try {
    repo.link({ provider, subject, user_id: userId, created_at: now });
  } catch (e) {
    if (String(e).includes("UNIQUE")) return fail("conflict", "that identity was linked meanwhile");
    throw e;
  }
  return ok(null);
}

export function unlinkIdentity(db: Database, userId: string, provider: string): Result<null> {
  if (!usersRepo(db).byId(userId)) return fail("not_found", "no such user");
  return oidcRepo(db).unlink(userId, provider) ? ok(null) : fail("not_found", "no such linked identity");
}

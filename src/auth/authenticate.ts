import type { Database } from "bun:sqlite";
import type { Role, User } from "../protocol/api.ts";
import { fail, ok, type Result } from "../protocol/errors.ts";
import { revokedSessionsRepo } from "../storage/revoked-sessions.ts";
import { type UserRow, usersRepo } from "../storage/users.ts";
import { useApiKey } from "./api-keys.ts";
import { issueSessionToken, needsRenewal, verifySessionToken } from "./session-token.ts";
import type { SignIns } from "./sign-ins.ts";
import { publicUser } from "./users.ts";

export type AuthVia = "cookie" | "api_key" | "admin_socket";

/** Who is making a request, and how they proved it. */
export interface AuthedUser {
  via: AuthVia;
  /** The account; null only over the admin socket, whose trust comes from file permissions. */
  user: User | null;
  role: Role;
  /** Cookie sessions past half their life: a fresh token to hand back. */
  renewToken?: string;
  /** Cookie sessions: the sign-in the token belongs to (what logout revokes). */
  sid?: string;
  /** Cookie sessions: when the presented token expires (ms). */
  expiresAt?: number;
  /** The user's token_version when this was checked (a later bump ends what was opened with it). */
  tokenVersion?: number;
}

/** Credentials as found on a request, transport-neutral (HTTP, WebSocket upgrade, admin socket). */
export interface Credentials {
  sessionToken?: string;
  /** The value after `Bearer `. It takes precedence: a bad key never falls back to a cookie. */
  bearer?: string;
  adminSocket?: boolean;
}

export interface AuthSettings {
  db: Database;
  jwtSecret: string;
  tokenTtlMs: number;
}

export const ADMIN_SOCKET_PRINCIPAL: AuthedUser = { via: "admin_socket", user: null, role: "admin" };

export async function authenticateCredentials(
  settings: AuthSettings,
  creds: Credentials,
  now = Date.now(),
): Promise<Result<AuthedUser>> {
  if (creds.adminSocket) return ok(ADMIN_SOCKET_PRINCIPAL);
  if (creds.bearer !== undefined) {
    const key = useApiKey(settings.db, creds.bearer, now);
    if (!key.ok) return key;
    const user = activeUser(settings.db, key.value.user_id);
    if (!user.ok) return user;
    return ok({
      via: "api_key",
      user: publicUser(user.value),
      role: user.value.role,
      tokenVersion: user.value.token_version,
    });
  }
  if (!creds.sessionToken) return fail("unauthorized", "sign in first");
  const claims = await verifySessionToken(settings.jwtSecret, creds.sessionToken, now);
  if (!claims.ok) return claims;
  if (revokedSessionsRepo(settings.db).isRevoked(claims.value.sid))
    return fail("token_revoked", "this session was signed out; sign in again");
  const user = activeUser(settings.db, claims.value.sub);
  if (!user.ok) return user;
  if (user.value.token_version !== claims.value.tv)
    return fail(
      "token_revoked",
      "this session has ended (password changed or account disabled); sign in again",
    );
  const authed: AuthedUser = {
    via: "cookie",
    user: publicUser(user.value),
    role: user.value.role,
    sid: claims.value.sid,
    expiresAt: claims.value.exp * 1000,
    tokenVersion: user.value.token_version,
  };
  if (needsRenewal(claims.value, now))
    authed.renewToken = await issueSessionToken(
      settings.jwtSecret,
      user.value,
      settings.tokenTtlMs,
      now,
      claims.value.sid,
    );
  return ok(authed);
}

function activeUser(db: Database, id: string): Result<UserRow> {
  const user = usersRepo(db).byId(id);
  if (!user) return fail("token_revoked", "this account no longer exists");
  if (user.disabled) return fail("account_disabled", "this account is disabled; ask an administrator");
  return ok(user);
}

/**
 * Logout: the presented token's sign-in is revoked server-side, renewals included, until every
 * token of it has expired, and its live sockets close. A bad or expired token has nothing to revoke.
 */
export async function signOut(
  settings: AuthSettings,
  signIns: SignIns,
  token: string,
  now = Date.now(),
): Promise<void> {
  const claims = await verifySessionToken(settings.jwtSecret, token, now);
  if (!claims.ok) return;
  signIns.endSignIn(claims.value.sub, claims.value.sid, now + settings.tokenTtlMs, now);
}

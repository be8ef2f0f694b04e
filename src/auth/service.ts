import type { Database } from "bun:sqlite";
import type { ApiKey, CreatedApiKey, User } from "../protocol/api.ts";
import type { ErrorBody, Result } from "../protocol/errors.ts";
import { ok } from "../protocol/errors.ts";
import { apiKeysRepo } from "../storage/api-keys.ts";
import type { UserRow } from "../storage/users.ts";
import { changeOwnPassword } from "./accounts.ts";
import { createApiKey, publicApiKey, revokeApiKey } from "./api-keys.ts";
import { type AuthedUser, authenticateCredentials, type Credentials, signOut } from "./authenticate.ts";
import { DEVICE_TTL_MS, issueDeviceToken } from "./device-token.ts";
import { inviteExists, type SignupInput, signup } from "./invites.ts";
import { allowLocal } from "./local-sign-in.ts";
import { type LoginAttempt, LoginGuard } from "./login-guard.ts";
import { issueSessionToken } from "./session-token.ts";
import type { SignIns } from "./sign-ins.ts";
import { publicUser } from "./users.ts";

export interface AuthServiceDeps {
  db: Database;
  jwtSecret: string;
  tokenTtlMs: number;
  /** Failed sign-ins allowed per minute (per address, user name, device). */
  loginAttemptsPerMinute: number;
  /** Live sign-ins: logout and a password change end them. */
  signIns: SignIns;
  /** Set in multi-user mode: new accounts map to Linux user `<prefix><username>`. */
  linuxPrefix?: string;
}

/** An account that has just proved who it is, with a fresh session token for its cookie. */
export interface SignedIn {
  user: User;
  token: string;
}

/** A sign-in also (re)issues the browser's device token, which lets it past the per-name limit later. */
export type LoginResult =
  | { ok: true; signedIn: SignedIn; device: { token: string; maxAgeMs: number } }
  | { ok: false; error: ErrorBody; retryAfterMs?: number };

/** Signing in and up, and a person's own account: what the auth routes call. */
export interface AuthService {
  /** Who presented these credentials (cookie token, API key or the admin socket). */
  authenticate(creds: Credentials): Promise<Result<AuthedUser>>;
  login(attempt: LoginAttempt): Promise<LoginResult>;
  signup(input: Omit<SignupInput, "linuxPrefix">): Promise<Result<SignedIn>>;
  /** The sign-in this session token belongs to ends: every token of it is refused from now on. */
  logout(sessionToken: string): Promise<void>;
  /** Whether a code names an invite at all (usable or not): unknown codes are what a guesser sends. */
  inviteExists(code: string): boolean;
  /**
   * Every other sign-in ends; the returned token continues this one (`sid`: the sign-in the
   * change was made from, kept with its sockets; absent for API keys).
   */
  changeOwnPassword(userId: string, current: string, next: string, sid?: string): Promise<Result<SignedIn>>;
  apiKeys(userId: string): ApiKey[];
  createApiKey(userId: string, name: string): CreatedApiKey;
  revokeApiKey(userId: string, id: string): Result<null>;
}

export function createAuthService(deps: AuthServiceDeps): AuthService {
  const { db } = deps;
  const loginGuard = new LoginGuard({ db, jwtSecret: deps.jwtSecret }, deps.loginAttemptsPerMinute);
  const signedIn = async (user: UserRow, sid?: string): Promise<SignedIn> => ({
    user: publicUser(user),
    token: await issueSessionToken(deps.jwtSecret, user, deps.tokenTtlMs, Date.now(), sid),
  });
  return {
    authenticate: (creds) => authenticateCredentials(deps, creds),
    async login(attempt) {
      const outcome = await loginGuard.login(attempt);
      if (!outcome.ok) return outcome;
      // Checked after the password: only someone who knows it learns that the form is off for them.
      const local = allowLocal(db, outcome.user.role);
      if (!local.ok) return local;
      const device = await issueDeviceToken(deps.jwtSecret, outcome.device);
      return {
        ok: true,
        signedIn: await signedIn(outcome.user),
        device: { token: device, maxAgeMs: DEVICE_TTL_MS },
      };
    },
    async signup(input) {
      const local = allowLocal(db, null);
      if (!local.ok) return local;
      const created = await signup(db, { ...input, linuxPrefix: deps.linuxPrefix });
      return created.ok ? ok(await signedIn(created.value)) : created;
    },
    logout: (sessionToken) => signOut(deps, deps.signIns, sessionToken),
    inviteExists: (code) => inviteExists(db, code),
    async changeOwnPassword(userId, current, next, sid) {
      const changed = await changeOwnPassword(db, userId, current, next);
      if (!changed.ok) return changed;
      const keep = sid ? { sid, tokenVersion: changed.value.token_version } : undefined;
      deps.signIns.endUser(userId, "password_changed", keep);
      return ok(await signedIn(changed.value, sid));
    },
    apiKeys: (userId) => apiKeysRepo(db).activeForUser(userId).map(publicApiKey),
    createApiKey: (userId, name) => createApiKey(db, userId, name),
    revokeApiKey: (userId, id) => revokeApiKey(db, userId, id),
  };
}

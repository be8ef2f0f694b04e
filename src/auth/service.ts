import type { Database } from "bun:sqlite";
import type { ApiKey, CreatedApiKey, User } from "../protocol/api.ts";
import { ok, type Result } from "../protocol/errors.ts";
import { apiKeysRepo } from "../storage/api-keys.ts";
import type { UserRow } from "../storage/users.ts";
import { changeOwnPassword } from "./accounts.ts";
import { createApiKey, publicApiKey, revokeApiKey } from "./api-keys.ts";
import { type AuthedUser, authenticateCredentials, type Credentials } from "./authenticate.ts";
import { inviteExists, type SignupInput, signup } from "./invites.ts";
import { checkCredentials } from "./login.ts";
import { issueSessionToken } from "./session-token.ts";
import { publicUser } from "./users.ts";

export interface AuthServiceDeps {
  db: Database;
  jwtSecret: string;
  tokenTtlMs: number;
  /** Set in multi-user mode: new accounts map to Linux user `<prefix><username>`. */
  linuxPrefix?: string;
}

/** An account that has just proved who it is, with a fresh session token for its cookie. */
export interface SignedIn {
  user: User;
  token: string;
}

/** Signing in and up, and a person's own account: what the auth routes call. */
export interface AuthService {
  /** Who presented these credentials (cookie token, API key or the admin socket). */
  authenticate(creds: Credentials): Result<AuthedUser>;
  login(username: string, password: string): Promise<Result<SignedIn>>;
  signup(input: Omit<SignupInput, "linuxPrefix">): Promise<Result<SignedIn>>;
  /** Whether a code names an invite at all (usable or not): unknown codes are what a guesser sends. */
  inviteExists(code: string): boolean;
  /** Every other session ends; the returned token continues this one. */
  changeOwnPassword(userId: string, current: string, next: string): Promise<Result<SignedIn>>;
  apiKeys(userId: string): ApiKey[];
  createApiKey(userId: string, name: string): CreatedApiKey;
  revokeApiKey(userId: string, id: string): Result<null>;
}

export function createAuthService(deps: AuthServiceDeps): AuthService {
  const { db } = deps;
  const signedIn = (r: Result<UserRow>): Result<SignedIn> =>
    r.ok
      ? ok({ user: publicUser(r.value), token: issueSessionToken(deps.jwtSecret, r.value, deps.tokenTtlMs) })
      : r;
  return {
    authenticate: (creds) => authenticateCredentials(deps, creds),
    login: async (username, password) => signedIn(await checkCredentials(db, username, password)),
    signup: async (input) => signedIn(await signup(db, { ...input, linuxPrefix: deps.linuxPrefix })),
    inviteExists: (code) => inviteExists(db, code),
    changeOwnPassword: async (userId, current, next) =>
      signedIn(await changeOwnPassword(db, userId, current, next)),
    apiKeys: (userId) => apiKeysRepo(db).activeForUser(userId).map(publicApiKey),
    createApiKey: (userId, name) => createApiKey(db, userId, name),
    revokeApiKey: (userId, id) => revokeApiKey(db, userId, id),
  };
}

import type { Database } from "bun:sqlite";
import { llmTokensRepo } from "../storage/llm.ts";

/**
 * Per-session LLM proxy tokens. pi presents one instead of a provider key; the proxy maps it to
 * the user, project and session it bills. Only a SHA-256 of each token is stored (tokens carry 256
 * random bits, so a slow hash buys nothing), and tokens live in SQLite so a pi process that keeps
 * running across a server restart keeps working.
 */

export const TOKEN_PREFIX = "octo_llm_";
const TOKEN_PATTERN = /^octo_llm_[A-Za-z0-9_-]{43}$/;

export interface TokenScope {
  userId: string;
  projectId: string;
  sessionId: string;
}

export const hashToken = (token: string): string =>
  new Bun.CryptoHasher("sha256").update(token).digest("hex");

export function createTokenStore(db: Database, clock: () => number = Date.now) {
  const repo = llmTokensRepo(db);
  return {
    /**
     * A new token for a session. Earlier tokens of the same session are revoked: only the pi
     * process started with the newest one may keep calling.
     */
    issue(scope: TokenScope): string {
      const token =
        TOKEN_PREFIX + Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64url");
      const now = clock();
      db.transaction(() => {
        repo.revokeSession(scope.sessionId, now);
        repo.insert({
          hash: hashToken(token),
          user_id: scope.userId,
          project_id: scope.projectId,
          session_id: scope.sessionId,
          created_at: now,
        });
      })();
      return token;
    },
    /** The scope of a live token, or null for unknown, revoked or malformed ones. */
    verify(token: string): TokenScope | null {
      if (!TOKEN_PATTERN.test(token)) return null;
      const hash = hashToken(token);
      const row = repo.live(hash);
      if (!row) return null;
      repo.touch(hash, clock());
      return { userId: row.user_id, projectId: row.project_id, sessionId: row.session_id };
    },
    /** A token that fails `verify` because its user is disabled (and not for any other reason). */
    ownerDisabled(token: string): boolean {
      return TOKEN_PATTERN.test(token) && repo.ownerDisabled(hashToken(token));
    },
    /** On session close or delete. Returns how many tokens stopped working. */
    revokeSession(sessionId: string): number {
      return repo.revokeSession(sessionId, clock());
    },
    /** On user disable or delete. */
    revokeUser(userId: string): number {
      return repo.revokeUser(userId, clock());
    },
  };
}

export type TokenStore = ReturnType<typeof createTokenStore>;

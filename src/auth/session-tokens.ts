import type { Database } from "bun:sqlite";
import type { SessionTokensRepo } from "../storage/session-tokens.ts";

/** What a session's token may act for: one session of one user in one project, nothing else. */
export interface SessionScope {
  userId: string;
  projectId: string;
  sessionId: string;
}

export const hashToken = (token: string): string =>
  new Bun.CryptoHasher("sha256").update(token).digest("hex");

/**
 * Per-session bearer tokens handed to an agent (the LLM gateway's, the tool socket's): 256 random
 * bits after a prefix that names the kind, only a SHA-256 stored (a slow hash buys nothing at that
 * entropy), in SQLite, so an agent that keeps running across a server restart keeps working.
 */
export function createSessionTokens(
  db: Database,
  repo: SessionTokensRepo,
  kind: { prefix: string; pattern: RegExp },
  clock: () => number = Date.now,
) {
  return {
    /** A new token for a session; earlier ones of the same session stop working. */
    issue(scope: SessionScope): string {
      const token =
        kind.prefix + Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64url");
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
    verify(token: string): SessionScope | null {
      if (!kind.pattern.test(token)) return null;
      const hash = hashToken(token);
      const row = repo.live(hash);
      if (!row) return null;
      repo.touch(hash, clock());
      return { userId: row.user_id, projectId: row.project_id, sessionId: row.session_id };
    },
    /** A token that fails `verify` because its user is disabled (and not for any other reason). */
    ownerDisabled(token: string): boolean {
      return kind.pattern.test(token) && repo.ownerDisabled(hashToken(token));
    },
    /** On session close or delete. Returns how many tokens stopped working. */
    revokeSession(sessionId: string): number {
      return repo.revokeSession(sessionId, clock());
    },
    /**
     * A warm spare's agent took over session `to` (same user and project): the tokens in its
     * environment now act for `to`, and `to`'s earlier ones stop working. Returns how many moved.
     */
    rebind(from: string, to: string): number {
      return repo.rebind(from, to, clock());
    },
    /** On user disable or delete. */
    revokeUser(userId: string): number {
      return repo.revokeUser(userId, clock());
    },
  };
}

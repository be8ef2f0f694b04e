import type { Database } from "bun:sqlite";
import { TOOL_TOKEN_PATTERN, TOOL_TOKEN_PREFIX } from "../protocol/tools.ts";
import { toolTokensRepo } from "../storage/tool-tokens.ts";

/** What a tool token may act for: one session of one user in one project, nothing else. */
export interface ToolScope {
  userId: string;
  projectId: string;
  sessionId: string;
}

const hashToken = (token: string): string => new Bun.CryptoHasher("sha256").update(token).digest("hex");

/**
 * Per-session tool tokens, created when the server launches a session's agent and handed to it as
 * `OCTO_TOOL_TOKEN`. Only a SHA-256 is stored (256 random bits: a slow hash buys nothing), in
 * SQLite, so an agent that keeps running across a server restart keeps its tools. A token has its
 * own prefix and table: it is never an LLM token, nor anything else.
 */
export function createToolTokens(db: Database, clock: () => number = Date.now) {
  const repo = toolTokensRepo(db);
  return {
    /** A new token for a session; earlier ones of the same session stop working. */
    issue(scope: ToolScope): string {
      const token =
        TOOL_TOKEN_PREFIX + Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64url");
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
    /** The scope of a live token; null for unknown, revoked, malformed or closed-session ones. */
    verify(token: string): ToolScope | null {
      if (!TOOL_TOKEN_PATTERN.test(token)) return null;
      const hash = hashToken(token);
      const row = repo.live(hash);
      if (!row) return null;
      repo.touch(hash, clock());
      return { userId: row.user_id, projectId: row.project_id, sessionId: row.session_id };
    },
    revokeSession(sessionId: string): number {
      return repo.revokeSession(sessionId, clock());
    },
    revokeUser(userId: string): number {
      return repo.revokeUser(userId, clock());
    },
  };
}

export type ToolTokens = ReturnType<typeof createToolTokens>;

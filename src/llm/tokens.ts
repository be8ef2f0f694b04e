import type { Database } from "bun:sqlite";
import { createSessionTokens, type SessionScope } from "../auth/session-tokens.ts";
import { sessionTokensRepo } from "../storage/session-tokens.ts";

export { hashToken } from "../auth/session-tokens.ts";

/**
 * Per-session LLM gateway tokens. pi presents one instead of a provider key; the gateway maps it to
 * the user, project and session it bills. A newer token of the same session revokes the older: only
 * the pi process started with the newest one may keep calling.
 */

export const TOKEN_PREFIX = "octo_llm_";
const TOKEN_PATTERN = /^octo_llm_[A-Za-z0-9_-]{43}$/;

export type TokenScope = SessionScope;

export const createTokenStore = (db: Database, clock: () => number = Date.now) =>
  createSessionTokens(
    db,
    sessionTokensRepo(db, "llm_tokens"),
    { prefix: TOKEN_PREFIX, pattern: TOKEN_PATTERN },
    clock,
  );

export type TokenStore = ReturnType<typeof createTokenStore>;

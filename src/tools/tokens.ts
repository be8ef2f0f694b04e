import type { Database } from "bun:sqlite";
import { createSessionTokens, type SessionScope } from "../auth/session-tokens.ts";
import { TOOL_TOKEN_PATTERN, TOOL_TOKEN_PREFIX } from "../protocol/tools.ts";
import { sessionTokensRepo } from "../storage/session-tokens.ts";

/** What a tool token may act for: one session of one user in one project, nothing else. */
export type ToolScope = SessionScope;

/**
 * Per-session tool tokens, created when the server launches a session's agent and handed to it as
 * `OCTO_TOOL_TOKEN`. A token has its own prefix and table: it is never an LLM token, nor anything
 * else; and it dies with its session (a closed session's token reads as unknown).
 */
export const createToolTokens = (db: Database, clock: () => number = Date.now) =>
  createSessionTokens(
    db,
    sessionTokensRepo(db, "tool_tokens", { openSessionOnly: true }),
    { prefix: TOOL_TOKEN_PREFIX, pattern: TOOL_TOKEN_PATTERN },
    clock,
  );

export type ToolTokens = ReturnType<typeof createToolTokens>;

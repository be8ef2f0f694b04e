import type { Database } from "bun:sqlite";

/** SQL for the answers of tool calls with side effects (delivered at most once, decision 0010). */
export const toolCallsRepo = (db: Database) => ({
  find(sessionId: string, callKey: string): string | null {
    return (
      db
        .query<{ result: string }, [string, string]>(
          "SELECT result FROM tool_calls WHERE session_id = ? AND call_key = ?",
        )
        .get(sessionId, callKey)?.result ?? null
    );
  },
  save(sessionId: string, callKey: string, result: string, at: number): void {
    db.query("INSERT OR IGNORE INTO tool_calls (session_id, call_key, result, at) VALUES (?, ?, ?, ?)").run(
      sessionId,
      callKey,
      result,
      at,
    );
  },
  pruneBefore(at: number): void {
    db.query("DELETE FROM tool_calls WHERE at < ?").run(at);
  },
});

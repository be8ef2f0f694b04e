import type { Database } from "bun:sqlite";

/** SQL for the LLM tables: admin-managed providers, session proxy tokens, usage rows. */

export interface ProviderRow {
  name: string;
  kind: "openai" | "anthropic";
  base_url: string;
  api_key_env: string | null;
  api_key_file: string | null;
  /** A key stored by an admin through the API; never leaves the server. */
  api_key: string | null;
  /** JSON array of model specs (validated on the way in and out by the caller). */
  models: string;
  created_at: number;
  updated_at: number;
}

export const llmProvidersRepo = (db: Database) => ({
  list(): ProviderRow[] {
    return db.query<ProviderRow, []>("SELECT * FROM llm_providers ORDER BY name").all();
  },
  get(name: string): ProviderRow | null {
    return db.query<ProviderRow, [string]>("SELECT * FROM llm_providers WHERE name = ?").get(name);
  },
  insert(row: ProviderRow): void {
    db.query(
      `INSERT INTO llm_providers (name, kind, base_url, api_key_env, api_key_file, api_key, models, created_at, updated_at)
       VALUES ($name, $kind, $base_url, $api_key_env, $api_key_file, $api_key, $models, $created_at, $updated_at)`,
    ).run({ ...row });
  },
  update(row: Omit<ProviderRow, "created_at">): boolean {
    return (
      db
        .query(
          `UPDATE llm_providers SET kind = $kind, base_url = $base_url, api_key_env = $api_key_env,
             api_key_file = $api_key_file, api_key = $api_key, models = $models, updated_at = $updated_at
           WHERE name = $name`,
        )
        .run({ ...row }).changes > 0
    );
  },
  delete(name: string): boolean {
    return db.query("DELETE FROM llm_providers WHERE name = ?").run(name).changes > 0;
  },
});

export interface UsageRow {
  ts: number;
  user_id: string;
  project_id: string;
  session_id: string;
  provider: string;
  model: string;
  status: number;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  /** USD; null when the model's price is unknown (stored as 0 with cost_known = 0). */
  cost: number | null;
  duration_ms: number;
}

export interface UsageFilter {
  user_id?: string;
  project_id?: string;
  session_id?: string;
}

export interface UsageSumRow {
  model: string;
  requests: number;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  cost: number;
  unknown_requests: number;
}

export const llmUsageRepo = (db: Database) => ({
  /** Who pays for a session's calls when not its owner: the member who started it (decision 0030). */
  payerOf(sessionId: string): string | null {
    return (
      db
        .query<{ created_by: string | null }, [string]>("SELECT created_by FROM sessions WHERE id = ?")
        .get(sessionId)?.created_by ?? null
    );
  },
  insert(row: UsageRow): void {
    db.query(
      `INSERT INTO llm_usage (ts, user_id, project_id, session_id, provider, model, status, input_tokens,
         output_tokens, cache_read_tokens, cache_write_tokens, cost, cost_known, duration_ms)
       VALUES ($ts, $user_id, $project_id, $session_id, $provider, $model, $status, $input_tokens,
         $output_tokens, $cache_read_tokens, $cache_write_tokens, $cost, $cost_known, $duration_ms)`,
    ).run({ ...row, cost: row.cost ?? 0, cost_known: row.cost === null ? 0 : 1 });
  },
  /** Failed requests (HTTP status 400 and up) since `ts`, counted by status. */
  errorsSince(ts: number): { status: number; count: number }[] {
    return db
      .query<{ status: number; count: number }, [number]>(
        `SELECT status, COUNT(*) AS count FROM llm_usage WHERE status >= 400 AND ts >= ?
         GROUP BY status ORDER BY count DESC, status`,
      )
      .all(ts);
  },
  /** Sums per "provider/model" for the rows matching every given filter field. */
  sumByModel(filter: UsageFilter): UsageSumRow[] {
    const where: string[] = [];
    const args: Record<string, string> = {};
    for (const key of ["user_id", "project_id", "session_id"] as const) {
      const value = filter[key];
      if (value === undefined) continue;
      where.push(`${key} = $${key}`);
      args[key] = value;
    }
    return db
      .query<UsageSumRow, Record<string, string>>(
        `SELECT provider || '/' || model AS model, COUNT(*) AS requests,
           SUM(input_tokens) AS input_tokens, SUM(output_tokens) AS output_tokens,
           SUM(cache_read_tokens) AS cache_read_tokens, SUM(cache_write_tokens) AS cache_write_tokens,
           SUM(CASE WHEN cost_known THEN cost ELSE 0 END) AS cost, SUM(1 - cost_known) AS unknown_requests
         FROM llm_usage ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
         GROUP BY provider, model ORDER BY SUM(cost) DESC, model`,
      )
      .all(args);
  },
});

import type { Database } from "bun:sqlite";
import type { UsageResponse, UsageTotals } from "../protocol/llm.ts";
import { llmUsageRepo, type UsageFilter } from "../storage/llm.ts";

/** Who asks decides what they may see: users their own usage, admins anyone's. */
export interface UsageViewer {
  userId: string | null;
  admin: boolean;
}

export interface UsageRequest {
  session_id?: string;
  project_id?: string;
  user_id?: string;
}

/**
 * Usage totals and a per-model breakdown. A user's filter is always narrowed to their own rows,
 * so someone else's session id simply shows nothing (no hint that it exists).
 */
export function usageReport(db: Database, viewer: UsageViewer, query: UsageRequest): UsageResponse {
  const filter: UsageFilter = { session_id: query.session_id, project_id: query.project_id };
  if (viewer.admin) filter.user_id = query.user_id;
  else filter.user_id = viewer.userId ?? "\u0000nobody";
  const byModel = llmUsageRepo(db).sumByModel(filter);
  const totals: UsageTotals = {
    requests: 0,
    input_tokens: 0,
    output_tokens: 0,
    cache_read_tokens: 0,
    cache_write_tokens: 0,
    cost: 0,
    unknown_requests: 0,
  };
  for (const row of byModel) {
    totals.requests += row.requests;
    totals.input_tokens += row.input_tokens;
    totals.output_tokens += row.output_tokens;
    totals.cache_read_tokens += row.cache_read_tokens;
    totals.cache_write_tokens += row.cache_write_tokens;
    totals.cost += row.cost;
    totals.unknown_requests += row.unknown_requests;
  }
  return { totals, by_model: byModel };
}

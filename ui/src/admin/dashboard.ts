import type { AdminStatus } from "../../../src/protocol/api.ts";

/** Plain-language pieces of the operator's dashboard (Admin → Status). */

export function formatBytes(n: number | null): string {
  if (n === null) return "unknown";
  const units = ["B", "KB", "MB", "GB", "TB"];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 10 || i === 0 ? Math.round(v) : v.toFixed(1)} ${units[i]}`;
}

/** What an LLM provider's HTTP status usually means, for someone deciding what to fix. */
export function llmErrorMeaning(status: number): string {
  if (status === 401 || status === 403) return "key refused";
  if (status === 402) return "billing or quota";
  if (status === 404) return "model or address not found";
  if (status === 408 || status === 504) return "timed out";
  if (status === 413) return "request too large";
  if (status === 429) return "rate limited";
  if (status === 529 || status === 503) return "provider overloaded";
  if (status >= 500) return "provider error";
  return "request refused";
}

/** "Low" below 10 % free or 2 GB, whichever is larger: time to clean up or grow the disk. */
export function diskLow(d: AdminStatus["disks"][number]): boolean {
  if (d.free_bytes === null || d.total_bytes === null) return false;
  return d.free_bytes < Math.max(d.total_bytes * 0.1, 2 * 1024 ** 3);
}

export function totals(s: AdminStatus): { agents: number; shells: number; up: number; down: number } {
  const up = s.runners.filter((r) => r.connected);
  return {
    agents: up.reduce((n, r) => n + (r.agents ?? 0), 0),
    shells: up.reduce((n, r) => n + (r.terminals ?? 0), 0),
    up: up.length,
    down: s.runners.length - up.length,
  };
}

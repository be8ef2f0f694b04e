import type { Migration } from "../db.ts";

/**
 * Placeholder: number 9 is taken by another branch being built in parallel (migrations must be
 * numbered without gaps). Replaced by that branch's migration when the branches are merged.
 */
export const m009: Migration = {
  version: 9,
  name: "reserved (placeholder until merge)",
  sql: "SELECT 1;",
};

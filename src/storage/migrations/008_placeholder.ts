import type { Migration } from "../db.ts";

/**
 * A stand-in for migration 008, which another branch owns: migrations must be numbered without
 * gaps, and this branch's is 009. Drop this file when the real 008 is merged.
 */
export const m008: Migration = {
  version: 8,
  name: "placeholder for 008",
  sql: "SELECT 1;",
};

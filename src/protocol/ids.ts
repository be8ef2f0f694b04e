import * as v from "valibot";

/**
 * Prefixed, time-sortable ids: `<prefix>_<12 hex ms timestamp><16 hex random>`.
 * Lexicographic order equals creation order (to the millisecond, then random).
 */
export const ID_PREFIXES = [
  "usr",
  "prj",
  "ses",
  "trm",
  "inv",
  "key",
  "prc",
  "msg",
  "evt",
  "sid",
  "mem",
  "cpt",
  "sch",
  "run",
  "hook",
  "ntf",
  "psh",
  "cnv",
] as const;
export type IdPrefix = (typeof ID_PREFIXES)[number];

let lastMs = 0;
let counter = 0;

export function newId(prefix: IdPrefix, now = Date.now()): string {
  // A per-process counter keeps ids created in the same millisecond in creation order.
  if (now === lastMs) counter++;
  else {
    lastMs = now;
    counter = 0;
  }
  const ts = now.toString(16).padStart(12, "0");
  const seq = counter.toString(16).padStart(4, "0");
  const rand = Array.from(crypto.getRandomValues(new Uint8Array(6)), (b) =>
    b.toString(16).padStart(2, "0"),
  ).join("");
  return `${prefix}_${ts}${seq}${rand}`;
}

export const idSchema = (prefix: IdPrefix) =>
  v.pipe(v.string(), v.regex(new RegExp(`^${prefix}_[0-9a-f]{28}$`), `expected a ${prefix}_ id`));

export const isId = (prefix: IdPrefix, value: unknown): value is string =>
  typeof value === "string" && new RegExp(`^${prefix}_[0-9a-f]{28}$`).test(value);

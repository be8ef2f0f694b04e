/**
 * A platform user name for someone the provider vouches for, from their `preferred_username` or
 * e-mail local part. The result always matches the Username rule (a-z first, then a-z 0-9 _ -),
 * fits `maxLength` (Linux caps `octo_<name>` at 32 characters), avoids names that would read as
 * something else, and is made unique with a suffix: an existing account is never taken over
 * because its name matches (decision 0022).
 */

/** Names a new single sign-on account never gets, whatever its claims say. */
export const RESERVED_NAMES = new Set([
  "admin",
  "administrator",
  "root",
  "system",
  "octo",
  "daemon",
  "bin",
  "sys",
  "nobody",
  "operator",
  "support",
  "security",
  "api",
  "login",
  "logout",
  "signup",
  "www-data",
  "postmaster",
  "hostmaster",
  "webmaster",
]);

export interface NameClaims {
  preferred_username?: unknown;
  email?: unknown;
  name?: unknown;
}

/** The claim a name is made from, before cleaning. */
function rawName(claims: NameClaims): string {
  for (const candidate of [claims.preferred_username, claims.email, claims.name]) {
    if (typeof candidate === "string" && candidate.trim() !== "") return candidate.trim();
  }
  return "user";
}

/** Lowercase ASCII, `@domain` dropped, every other character Linux refuses turned into `_`. */
export function cleanName(raw: string, maxLength: number): string {
  const local = raw.includes("@") ? raw.slice(0, raw.indexOf("@")) : raw;
  let name = local
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, "_")
    .replace(/_{2,}/g, "_")
    .replace(/^[^a-z]+/, "")
    .slice(0, maxLength)
    .replace(/[_-]+$/, "");
  if (name === "") name = "user";
  return name;
}

/** The first free name: `base`, then `base-2`, `base-3`, … (cut so the suffix fits). */
export function deriveUsername(
  claims: NameClaims,
  opts: { maxLength: number; taken: (name: string) => boolean },
): string {
  const base = cleanName(rawName(claims), opts.maxLength);
  const free = (name: string) => !RESERVED_NAMES.has(name) && !opts.taken(name);
  if (free(base)) return base;
  for (let n = 2; ; n++) {
    const suffix = `-${n}`;
    const candidate = `${base.slice(0, opts.maxLength - suffix.length).replace(/[_-]+$/, "")}${suffix}`;
    if (free(candidate)) return candidate;
  }
}

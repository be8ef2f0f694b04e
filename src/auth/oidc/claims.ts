import type { OidcProviderConfig } from "../../config/oidc-schema.ts";
import type { Role } from "../../storage/users.ts";

/**
 * What a provider's claims decide: the person's groups, whether they may sign in at all, and
 * (when `admin_groups` is set) their role.
 */

/** The groups in `claim` (a dotted path reaches nested claims, e.g. `realm_access.roles`). */
export function groupsOf(claims: Record<string, unknown>, claim: string): string[] | undefined {
  let value: unknown = claims;
  for (const part of claim.split(".")) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  if (value === undefined) return undefined;
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.filter((g): g is string => typeof g === "string");
  return [];
}

export const hasGroupsClaim = (claims: Record<string, unknown>, claim: string): boolean =>
  groupsOf(claims, claim) !== undefined;

const intersects = (groups: readonly string[], wanted: readonly string[]) =>
  wanted.some((g) => groups.includes(g));

/** May this person sign in? Empty `allowed_groups` means nobody unless `allow_any_user`. */
export function mayUse(provider: OidcProviderConfig, groups: readonly string[]): boolean {
  if (provider.allowed_groups.length === 0) return provider.allow_any_user;
  return intersects(groups, provider.allowed_groups);
}

/** The role the groups give, or null when roles are set by hand (no `admin_groups`). */
export function roleFrom(provider: OidcProviderConfig, groups: readonly string[]): Role | null {
  if (provider.admin_groups.length === 0) return null;
  return intersects(groups, provider.admin_groups) ? "admin" : "user";
}

import type { Database } from "bun:sqlite";
import { fail, ok, type Result } from "../protocol/errors.ts";
import type { LocalSignIn } from "../protocol/sso.ts";
import { serverSettingsRepo } from "../storage/server-settings.ts";

export type { LocalSignIn };

/**
 * Who may sign in with a user name and password: everyone (the default), or only admins, once a
 * team signs in through its identity provider. Admins keep the local form as a fallback, so a
 * provider outage never locks the server out.
 */
const KEY = "auth.local_sign_in";

export const localSignIn = (db: Database): LocalSignIn =>
  serverSettingsRepo(db).get(KEY) === "admins" ? "admins" : "everyone";

export function setLocalSignIn(
  db: Database,
  value: LocalSignIn,
  providersConfigured: boolean,
  now = Date.now(),
): Result<LocalSignIn> {
  if (value === "admins" && !providersConfigured)
    return fail(
      "conflict",
      "configure a single sign-on provider ([[auth.oidc]]) before turning local sign-in off",
    );
  serverSettingsRepo(db).set(KEY, value, now);
  return ok(value);
}

export const LOCAL_SIGN_IN_OFF = "sign-in with a password is turned off here; use single sign-on";

/** The check at login and signup: admins pass, everyone else needs local sign-in on. */
export function allowLocal(db: Database, role: "admin" | "user" | null): Result<null> {
  if (localSignIn(db) === "admins" && role !== "admin")
    return fail("local_sign_in_disabled", LOCAL_SIGN_IN_OFF);
  return ok(null);
}

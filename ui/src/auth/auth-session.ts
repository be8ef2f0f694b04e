import { createSignal } from "solid-js";
import type { MeResponse } from "../../../src/protocol/api.ts";
import { onHttpOutcome } from "../api/http.ts";
import * as auth from "./auth-api.ts";
import { ACCOUNT_DISABLED_TEXT } from "./messages.ts";

/**
 * Who is signed in. `undefined` while the first /api/auth/me is in flight, `null` when signed out.
 * Any 401 from an authenticated request signs the tab out; the router then sends it to /login.
 */
const [session, setSession] = createSignal<MeResponse | null | undefined>(undefined);
const [sessionError, setSessionError] = createSignal<string | null>(null);
/** Why the tab was signed out by the server rather than by the person (shown on the sign-in page). */
const [endedBecause, setEndedBecause] = createSignal<string | null>(null);

export { endedBecause, session, sessionError };

export const ACCOUNT_DISABLED = ACCOUNT_DISABLED_TEXT;

export const currentUser = () => session()?.user ?? null;
export const isAdmin = () => session()?.user.role === "admin";

onHttpOutcome((outcome) => {
  if (outcome === "disabled") setEndedBecause(ACCOUNT_DISABLED);
  if (outcome === "unauthorized" || outcome === "disabled") setSession(null);
});

export async function loadSession(): Promise<void> {
  const res = await auth.me();
  if (res.ok) {
    setSessionError(null);
    setSession(res.value);
  } else if (res.error.status === 401 || res.error.status === 403) {
    setSessionError(null);
    setSession(null);
  } else {
    // Server unreachable or broken: say so instead of pretending the user is signed out.
    setSessionError(res.error.message);
    setSession(null);
  }
}

export function signedIn(me: MeResponse): void {
  setSessionError(null);
  setEndedBecause(null);
  setSession(me);
}

/** Signs out here; returns the provider's end-session URL when the sign-in came from single sign-on. */
export async function signOut(): Promise<string | null> {
  const res = await auth.logout();
  setSession(null);
  return res.ok ? (res.value.redirect_to ?? null) : null;
}

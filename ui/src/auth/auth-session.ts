import { createSignal } from "solid-js";
import type { MeResponse } from "../../../src/protocol/api.ts";
import { onHttpOutcome } from "../api/http.ts";
import * as auth from "./auth-api.ts";

/**
 * Who is signed in. `undefined` while the first /api/auth/me is in flight, `null` when signed out.
 * Any 401 from an authenticated request signs the tab out; the router then sends it to /login.
 */
const [session, setSession] = createSignal<MeResponse | null | undefined>(undefined);
const [sessionError, setSessionError] = createSignal<string | null>(null);

export { session, sessionError };

export const currentUser = () => session()?.user ?? null;
export const isAdmin = () => session()?.user.role === "admin";

onHttpOutcome((outcome) => {
  if (outcome === "unauthorized") setSession(null);
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
  setSession(me);
}

export async function signOut(): Promise<void> {
  await auth.logout();
  setSession(null);
}

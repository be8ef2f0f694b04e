import { MeResponse } from "../../../src/protocol/api.ts";
import { AccountSso, AuthMethods, LogoutResponse } from "../../../src/protocol/sso.ts";
import { api } from "../api/http.ts";

/** Sign-in, sign-up and sign-out (contracts in src/protocol/api.ts). A 401 here answers, it does not redirect. */

export const me = () => api("GET", "/api/auth/me", MeResponse, { authAttempt: true });
export const login = (username: string, password: string) =>
  api("POST", "/api/auth/login", MeResponse, { body: { username, password }, authAttempt: true });
export const signup = (invite_code: string, username: string, password: string) =>
  api("POST", "/api/auth/signup", MeResponse, {
    body: { invite_code, username, password },
    authAttempt: true,
  });
/** `redirect_to`: a single sign-on session also ends at its provider (RP-initiated logout). */
export const logout = () => api("POST", "/api/auth/logout", LogoutResponse, { authAttempt: true });
/** Which ways to sign in this server offers (no sign-in needed). */
export const methods = () => api("GET", "/api/auth/methods", AuthMethods, { authAttempt: true });
/** Where a "Sign in with …" button goes: a full-page navigation to the provider and back. */
export const ssoStartUrl = (provider: string, next: string) =>
  `/api/auth/oidc/${encodeURIComponent(provider)}/start?next=${encodeURIComponent(next)}`;
/** How the signed-in person signs in (linked providers, whether the account has a password). */
export const ssoOfAccount = () => api("GET", "/api/account/sso", AccountSso);

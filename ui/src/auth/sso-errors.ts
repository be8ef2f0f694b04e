import { ACCOUNT_DISABLED_TEXT } from "./messages.ts";

/** What the sign-in page says for each `?error=<code>` single sign-on sends the browser back with. */
const MESSAGES: Record<string, string> = {
  oidc_state_mismatch:
    "That sign-in expired, was already used, or was started in another browser. Please try again.",
  oidc_nonce_mismatch: "The identity provider's answer did not belong to this sign-in. Please try again.",
  oidc_token_invalid:
    "The identity provider's answer could not be verified. If this keeps happening, ask your admin to check the single sign-on setup.",
  oidc_group_denied:
    "Your account at the identity provider is not in a group that may use octo. Ask your admin for access.",
  account_disabled: ACCOUNT_DISABLED_TEXT,
  oidc_provider_error: "The identity provider did not sign you in.",
  oidc_unavailable: "The identity provider cannot be reached right now. Try again in a moment.",
  not_found: "That sign-in option is not set up on this server.",
  rate_limited: "Too many sign-in attempts from here. Wait a minute, then try again.",
  local_sign_in_disabled: "Sign-in with a password is turned off here; use single sign-on.",
};

/** The message for a callback error code; unknown codes still say something useful. */
export function ssoErrorMessage(code: string): string {
  return MESSAGES[code] ?? "Single sign-on did not work. Please try again.";
}

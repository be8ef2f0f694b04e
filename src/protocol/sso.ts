import * as v from "valibot";

/**
 * Single sign-on contracts (src/auth/oidc, decision 0022).
 *
 * GET /api/auth/methods → AuthMethods (no auth: the sign-in page reads it)
 * GET /api/auth/oidc/<name>/start?next=/path → 302 to the provider
 * GET /api/auth/oidc/<name>/callback → 302 to `next`, or to /login?error=<code>
 * POST /api/auth/logout → { ok: true, redirect_to? } (the provider's end-session URL)
 * GET /api/admin/identities → { identities: Identity[] }
 * POST /api/admin/users/:id/identities LinkIdentityBody → { ok: true }
 * DELETE /api/admin/users/:id/identities/:provider → { ok: true }
 * GET /api/account/sso → AccountSso (the signed-in person's own)
 * GET /api/admin/sign-in → SignInSettings; PUT /api/admin/sign-in SignInSettings → SignInSettings
 */

export const LocalSignIn = v.picklist(["everyone", "admins"]);
export type LocalSignIn = v.InferOutput<typeof LocalSignIn>;

export const SsoProvider = v.object({ name: v.string(), display_name: v.string() });
export type SsoProvider = v.InferOutput<typeof SsoProvider>;

export const AuthMethods = v.object({
  providers: v.array(SsoProvider),
  local_sign_in: LocalSignIn,
});
export type AuthMethods = v.InferOutput<typeof AuthMethods>;

export const Identity = v.object({
  user_id: v.string(),
  provider: v.string(),
  subject: v.string(),
  created_at: v.number(),
  last_sign_in_at: v.nullable(v.number()),
});
export type Identity = v.InferOutput<typeof Identity>;

export const LinkIdentityBody = v.strictObject({
  provider: v.pipe(v.string(), v.minLength(1), v.maxLength(32)),
  /** The provider's `sub` for this person (shown in its admin console, or octo's log of a refused sign-in). */
  subject: v.pipe(v.string(), v.minLength(1), v.maxLength(255)),
});

export const SignInSettings = v.strictObject({ local_sign_in: LocalSignIn });
export type SignInSettings = v.InferOutput<typeof SignInSettings>;

export const LogoutResponse = v.object({ ok: v.literal(true), redirect_to: v.optional(v.string()) });

/** How the signed-in person signs in: the providers their account is linked to, and whether it has a password. */
export const AccountSso = v.object({ providers: v.array(SsoProvider), has_password: v.boolean() });
export type AccountSso = v.InferOutput<typeof AccountSso>;

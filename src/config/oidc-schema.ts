import * as v from "valibot";

/**
 * `[[auth.oidc]]`: one OpenID Connect provider people can sign in with. The client secret is
 * never in the file itself: it comes from an environment variable or a file (read at start-up).
 */
export const OidcProviderSchema = v.pipe(
  v.strictObject({
    /** Short name in URLs: /api/auth/oidc/<name>/start. */
    name: v.pipe(v.string(), v.regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, "a short lowercase provider name")),
    /** What the sign-in button says: "Sign in with <display_name>". Default: the name. */
    display_name: v.optional(v.pipe(v.string(), v.maxLength(64)), ""),
    /** The issuer URL; discovery is read from <issuer>/.well-known/openid-configuration. */
    issuer: v.pipe(v.string(), v.url("an issuer URL like https://login.example.com/realms/team")),
    client_id: v.pipe(v.string(), v.minLength(1)),
    client_secret_env: v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "an env var name"))),
    client_secret_file: v.optional(v.pipe(v.string(), v.minLength(1))),
    scopes: v.optional(v.array(v.pipe(v.string(), v.regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, "a scope"))), [
      "openid",
      "profile",
      "email",
    ]),
    /**
     * Who may sign in (and be given an account on first sign-in): anyone in one of these groups.
     * Empty refuses everyone unless `allow_any_user = true` is set as well (decision 0022).
     */
    allowed_groups: v.optional(v.array(v.pipe(v.string(), v.minLength(1))), []),
    /** Explicit opt-in to "anyone this provider authenticates" when allowed_groups is empty. */
    allow_any_user: v.optional(v.boolean(), false),
    /** Members of these groups are admins, others users; re-evaluated at each sign-in. Empty: roles are set by hand. */
    admin_groups: v.optional(v.array(v.pipe(v.string(), v.minLength(1))), []),
    /** The claim holding the groups (ID token, else userinfo); a dotted path reaches nested claims. */
    groups_claim: v.optional(v.pipe(v.string(), v.minLength(1)), "groups"),
  }),
  v.check(
    (p) => (p.client_secret_env === undefined) !== (p.client_secret_file === undefined),
    "set exactly one of client_secret_env and client_secret_file",
  ),
  v.check((p) => p.scopes.includes("openid"), 'scopes must include "openid"'),
);

export const OidcProvidersSchema = v.pipe(
  v.array(OidcProviderSchema),
  v.check(
    (list) => new Set(list.map((p) => p.name)).size === list.length,
    "two [[auth.oidc]] entries have the same name",
  ),
);

export type OidcProviderConfig = v.InferOutput<typeof OidcProviderSchema>;

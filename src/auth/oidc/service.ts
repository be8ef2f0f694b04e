import type { Database } from "bun:sqlite";
import { fail, ok, type Result } from "../../protocol/errors.ts";
import type { AccountSso, Identity, SsoProvider } from "../../protocol/sso.ts";
import type { Logger } from "../../shared/log.ts";
import { oidcRepo } from "../../storage/oidc.ts";
import { usersRepo } from "../../storage/users.ts";
import { type LocalSignIn, localSignIn, setLocalSignIn } from "../local-sign-in.ts";
import type { SignedIn } from "../service.ts";
import { issueSessionToken, newSessionId, verifySessionToken } from "../session-token.ts";
import { publicUser } from "../users.ts";
import { accountFor, displayName, linkIdentity, NO_PASSWORD, unlinkIdentity } from "./accounts.ts";
import { authorizationUrl, type OidcClient, redeemCode } from "./code-flow.ts";
import { DiscoveryCache } from "./discovery.ts";
import { PendingSignIns, randomToken, sha256 } from "./pending.ts";

export interface OidcServiceDeps {
  db: Database;
  jwtSecret: string;
  tokenTtlMs: number;
  clients: readonly OidcClient[];
  linuxPrefix?: string;
  log: Logger;
  now?: () => number;
}

/** Query parameters of the callback, as the provider sent them. */
export interface CallbackParams {
  state?: string;
  code?: string;
  error?: string;
  error_description?: string;
  iss?: string;
}

/** Single sign-on with OpenID Connect providers (decision 0022): what the SSO routes call. */
export interface OidcService {
  providers(): SsoProvider[];
  localSignIn(): LocalSignIn;
  setLocalSignIn(value: LocalSignIn): Result<LocalSignIn>;
  /** Where to send the browser; `binding` is the value for its `octo_oidc` cookie. */
  start(
    name: string,
    input: { binding?: string; next: string; redirectUri: string },
  ): Promise<Result<{ url: string; binding: string }>>;
  /** The provider sent the browser back: check everything, then sign the person in. */
  finish(
    name: string,
    input: { params: CallbackParams; binding?: string },
  ): Promise<Result<{ signedIn: SignedIn; next: string }>>;
  /** RP-initiated logout: the provider's end-session URL for this octo sign-in, if it has one. */
  endSessionUrl(sessionToken: string, postLogoutRedirectUri: string): Promise<string | null>;
  identities(): Identity[];
  /** How this person signs in (their linked providers; whether the account has a password). */
  accountSso(userId: string): AccountSso;
  link(userId: string, provider: string, subject: string): Result<null>;
  unlink(userId: string, provider: string): Result<null>;
}

const TIMEOUT_MS = 10_000;
const DISCOVERY_TTL_MS = 60 * 60_000;
/**
 * No cooldown between JWKS fetches: ID tokens reach octo only from its own request to the
 * provider's token endpoint, so nobody else can make it look up unknown keys, and a rotated key
 * is picked up at the next sign-in (decision 0022).
 */
const JWKS_COOLDOWN_MS = 0;
const BINDING = /^[A-Za-z0-9_-]{43}$/;

export function createOidcService(deps: OidcServiceDeps): OidcService {
  const now = deps.now ?? Date.now;
  const byName = new Map(deps.clients.map((c) => [c.name, c]));
  const discovery = new DiscoveryCache({
    ttlMs: DISCOVERY_TTL_MS,
    jwksCooldownMs: JWKS_COOLDOWN_MS,
    timeoutMs: TIMEOUT_MS,
    now,
  });
  const pending = new PendingSignIns(now);
  const log = deps.log.child({ area: "oidc" });
  const unknown = () => fail("not_found", "no such single sign-on provider");

  const finish: OidcService["finish"] = async (name, input) => {
    const client = byName.get(name);
    if (!client) return unknown();
    const state = input.params.state ?? "";
    // Taken (used up) before any other check: a state works once, whatever the outcome.
    const started = state ? pending.take(state) : null;
    if (
      !started ||
      started.provider !== name ||
      !input.binding ||
      sha256(input.binding) !== started.bindingHash
    )
      return fail(
        "oidc_state_mismatch",
        "this sign-in link is unknown, expired, already used or from another browser; start again",
      );
    if (input.params.error) {
      const why = input.params.error.slice(0, 64).replace(/[^\w.-]/g, "");
      return fail("oidc_provider_error", `the provider did not sign you in (${why})`);
    }
    // RFC 9207: a provider that names itself must be the one this sign-in went to (mix-up defence).
    if (input.params.iss !== undefined && input.params.iss !== client.issuer)
      return fail("oidc_token_invalid", "the answer came from another provider");
    if (!input.params.code) return fail("oidc_provider_error", "the provider sent no sign-in code");
    const found = await discovery.get(client.issuer);
    if (!found.ok) return found;
    const who = await redeemCode(client, found.value, started, input.params.code, {
      now,
      timeoutMs: TIMEOUT_MS,
    });
    if (!who.ok) return who;
    const account = accountFor(
      { db: deps.db, linuxPrefix: deps.linuxPrefix, now, warn: (m, f) => log.warn(m, f) },
      client,
      who.value,
    );
    if (!account.ok) {
      // The subject helps an admin who wants to link this person to an existing account.
      log.info("single sign-on refused", { provider: name, sub: who.value.sub, code: account.error.code });
      return account;
    }
    const t = now();
    const sid = newSessionId(t);
    const token = await issueSessionToken(deps.jwtSecret, account.value, deps.tokenTtlMs, t, sid);
    oidcRepo(deps.db).rememberIdToken(sid, name, who.value.idToken, t + deps.tokenTtlMs, t);
    log.info("single sign-on", { provider: name, user: account.value.id, username: account.value.username });
    return ok({ signedIn: { user: publicUser(account.value), token }, next: started.next });
  };

  return {
    providers: () => deps.clients.map((c) => ({ name: c.name, display_name: displayName(c) })),
    localSignIn: () => localSignIn(deps.db),
    setLocalSignIn: (value) => setLocalSignIn(deps.db, value, deps.clients.length > 0, now()),
    async start(name, input) {
      const client = byName.get(name);
      if (!client) return unknown();
      const found = await discovery.get(client.issuer);
      if (!found.ok) {
        log.warn("single sign-on provider unavailable", { provider: name, reason: found.error.message });
        return found;
      }
      const binding = input.binding && BINDING.test(input.binding) ? input.binding : randomToken();
      const state = randomToken();
      const nonce = randomToken();
      const verifier = randomToken();
      pending.put(state, {
        provider: name,
        nonce,
        verifier,
        bindingHash: sha256(binding),
        redirectUri: input.redirectUri,
        next: input.next,
        createdAt: now(),
      });
      return ok({
        url: authorizationUrl(client, found.value, {
          state,
          nonce,
          verifier,
          redirectUri: input.redirectUri,
        }),
        binding,
      });
    },
    finish,
    async endSessionUrl(sessionToken, postLogoutRedirectUri) {
      const claims = await verifySessionToken(deps.jwtSecret, sessionToken, now());
      if (!claims.ok) return null;
      const signIn = oidcRepo(deps.db).takeIdToken(claims.value.sid);
      const client = signIn ? byName.get(signIn.provider) : undefined;
      if (!signIn || !client) return null;
      const found = await discovery.get(client.issuer);
      const endpoint = found.ok ? found.value.doc.end_session_endpoint : undefined;
      if (!endpoint) return null;
      const url = new URL(endpoint);
      url.searchParams.set("id_token_hint", signIn.id_token);
      url.searchParams.set("post_logout_redirect_uri", postLogoutRedirectUri);
      url.searchParams.set("client_id", client.client_id);
      return url.href;
    },
    identities: () =>
      oidcRepo(deps.db)
        .allIdentities()
        .map((i) => ({
          user_id: i.user_id,
          provider: i.provider,
          subject: i.subject,
          created_at: i.created_at,
          last_sign_in_at: i.last_sign_in_at,
        })),
    accountSso(userId) {
      const linked = new Set(
        oidcRepo(deps.db)
          .identitiesOf(userId)
          .map((i) => i.provider),
      );
      const user = usersRepo(deps.db).byId(userId);
      return {
        providers: deps.clients
          .filter((c) => linked.has(c.name))
          .map((c) => ({ name: c.name, display_name: displayName(c) })),
        has_password: user !== null && user.password_hash !== NO_PASSWORD,
      };
    },
    link(userId, provider, subject) {
      if (!byName.has(provider)) return unknown();
      return linkIdentity(deps.db, userId, provider, subject, now());
    },
    unlink: (userId, provider) => unlinkIdentity(deps.db, userId, provider),
  };
}

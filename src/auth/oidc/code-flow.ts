import { errors, type JWTPayload, jwtVerify } from "jose";
import * as v from "valibot";
import type { OidcProviderConfig } from "../../config/oidc-schema.ts";
import { fail, ok, type Result } from "../../protocol/errors.ts";
import { hasGroupsClaim } from "./claims.ts";
import type { Discovered } from "./discovery.ts";
import type { PendingSignIn } from "./pending.ts";

/** A configured provider with its client secret read (from the env var or file). */
export interface OidcClient extends OidcProviderConfig {
  clientSecret: string;
}

/** ID tokens signed with anything else (`none`, HMAC with a guessable secret) are refused. */
const ASYMMETRIC = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"];

/** Clock difference between octo and the provider that an ID token's times tolerate. */
export const CLOCK_SKEW_S = 60;

export const pkceChallenge = (verifier: string): string =>
  new Bun.CryptoHasher("sha256").update(verifier).digest("base64url");

/** The authorization request: code flow, PKCE S256, state and nonce. */
export function authorizationUrl(
  client: OidcClient,
  found: Discovered,
  p: { state: string; nonce: string; verifier: string; redirectUri: string },
): string {
  const url = new URL(found.doc.authorization_endpoint);
  url.searchParams.set("response_type", "code");
  url.searchParams.set("client_id", client.client_id);
  url.searchParams.set("redirect_uri", p.redirectUri);
  url.searchParams.set("scope", client.scopes.join(" "));
  url.searchParams.set("state", p.state);
  url.searchParams.set("nonce", p.nonce);
  url.searchParams.set("code_challenge", pkceChallenge(p.verifier));
  url.searchParams.set("code_challenge_method", "S256");
  return url.href;
}

const TokenResponse = v.object({
  id_token: v.pipe(v.string(), v.minLength(1)),
  access_token: v.optional(v.string()),
  token_type: v.optional(v.string()),
});

/** Who the provider says this is, checked. */
export interface VerifiedIdentity {
  sub: string;
  /** ID token claims, completed from userinfo where the ID token lacks them. */
  claims: Record<string, unknown>;
  idToken: string;
}

export interface FlowOptions {
  now: () => number;
  timeoutMs: number;
}

/** Exchange the code (with the PKCE verifier), verify the ID token, read userinfo if needed. */
export async function redeemCode(
  client: OidcClient,
  found: Discovered,
  pending: PendingSignIn,
  code: string,
  opts: FlowOptions,
): Promise<Result<VerifiedIdentity>> {
  const tokens = await exchange(client, found, pending, code, opts);
  if (!tokens.ok) return tokens;
  const verified = await verifyIdToken(client, found, tokens.value.id_token, pending.nonce, opts);
  if (!verified.ok) return verified;
  const claims: Record<string, unknown> = { ...verified.value };
  const needsUserinfo =
    !hasGroupsClaim(claims, client.groups_claim) ||
    (claims.preferred_username === undefined && claims.email === undefined);
  if (needsUserinfo && found.doc.userinfo_endpoint && tokens.value.access_token) {
    const info = await userinfo(found.doc.userinfo_endpoint, tokens.value.access_token, opts);
    if (!info.ok) return info;
    // OpenID Connect Core §5.3.2: userinfo about someone else must not be used.
    if (info.value.sub !== verified.value.sub)
      return fail("oidc_token_invalid", "the provider's userinfo is about another subject");
    for (const [k, val] of Object.entries(info.value)) if (!(k in claims)) claims[k] = val;
  }
  return ok({ sub: verified.value.sub as string, claims, idToken: tokens.value.id_token });
}

async function exchange(
  client: OidcClient,
  found: Discovered,
  pending: PendingSignIn,
  code: string,
  opts: FlowOptions,
): Promise<Result<v.InferOutput<typeof TokenResponse>>> {
  const form = new URLSearchParams({
    grant_type: "authorization_code",
    code,
    redirect_uri: pending.redirectUri,
    code_verifier: pending.verifier,
  });
  const headers: Record<string, string> = {
    "content-type": "application/x-www-form-urlencoded",
    accept: "application/json",
  };
  const methods = found.doc.token_endpoint_auth_methods_supported;
  if (methods && !methods.includes("client_secret_basic") && methods.includes("client_secret_post")) {
    form.set("client_id", client.client_id);
    form.set("client_secret", client.clientSecret);
  } else {
    // RFC 6749 §2.3.1: both parts form-encoded before Basic.
    const basic = `${encodeURIComponent(client.client_id)}:${encodeURIComponent(client.clientSecret)}`;
    headers.authorization = `Basic ${Buffer.from(basic).toString("base64")}`;
  }
  let body: unknown;
  let status: number;
  try {
    const res = await fetch(found.doc.token_endpoint, {
      method: "POST",
      headers,
      body: form,
      signal: AbortSignal.timeout(opts.timeoutMs),
    });
    status = res.status;
    body = await res.json().catch(() => null);
  } catch (e) {
    return fail(
      "oidc_unavailable",
      `the provider's token endpoint could not be reached: ${(e as Error).message}`,
    );
  }
  if (status !== 200) {
    const error = (body as { error?: unknown } | null)?.error;
    return fail(
      "oidc_provider_error",
      `the provider refused the sign-in code (${typeof error === "string" ? error.slice(0, 64) : status})`,
    );
  }
  const parsed = v.safeParse(TokenResponse, body);
  if (!parsed.success) return fail("oidc_provider_error", "the provider's token answer has no ID token");
  return ok(parsed.output);
}

async function verifyIdToken(
  client: OidcClient,
  found: Discovered,
  idToken: string,
  nonce: string,
  opts: FlowOptions,
): Promise<Result<JWTPayload>> {
  const offered = found.doc.id_token_signing_alg_values_supported;
  const algorithms = offered ? ASYMMETRIC.filter((a) => offered.includes(a)) : ["RS256"];
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(idToken, found.keys, {
      issuer: client.issuer,
      audience: client.client_id,
      algorithms,
      clockTolerance: CLOCK_SKEW_S,
      currentDate: new Date(opts.now()),
      requiredClaims: ["sub", "iat", "exp"],
    }));
  } catch (e) {
    if (e instanceof errors.JWTExpired)
      return fail("oidc_token_invalid", "the provider's ID token has expired (check the clocks)");
    if (e instanceof errors.JWKSNoMatchingKey)
      return fail("oidc_token_invalid", "the ID token is signed with a key the provider does not publish");
    if (e instanceof errors.JOSEError)
      return fail("oidc_token_invalid", `the ID token did not verify (${e.code})`);
    return fail("oidc_unavailable", `the provider's keys could not be read: ${(e as Error).message}`);
  }
  // Core §3.1.3.7: with several audiences, the authorized party must be us.
  if (Array.isArray(payload.aud) && payload.aud.length > 1 && payload.azp !== client.client_id)
    return fail("oidc_token_invalid", "the ID token was issued to another party");
  if (payload.nonce !== nonce)
    return fail("oidc_nonce_mismatch", "the ID token's nonce is not this sign-in's");
  return ok(payload);
}

const Userinfo = v.looseObject({ sub: v.string() });

async function userinfo(
  endpoint: string,
  accessToken: string,
  opts: FlowOptions,
): Promise<Result<Record<string, unknown> & { sub: string }>> {
  try {
    const res = await fetch(endpoint, {
      headers: { authorization: `Bearer ${accessToken}`, accept: "application/json" },
      signal: AbortSignal.timeout(opts.timeoutMs),
    });
    if (!res.ok) return fail("oidc_provider_error", `the provider's userinfo answered ${res.status}`);
    const parsed = v.safeParse(Userinfo, await res.json());
    if (!parsed.success) return fail("oidc_provider_error", "the provider's userinfo has no subject");
    return ok(parsed.output);
  } catch (e) {
    return fail("oidc_unavailable", `the provider's userinfo could not be read: ${(e as Error).message}`);
  }
}

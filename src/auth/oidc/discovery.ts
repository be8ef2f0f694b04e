import { createRemoteJWKSet, type JWTVerifyGetKey } from "jose";
import * as v from "valibot";
import { fail, ok, type Result } from "../../protocol/errors.ts";

/** The parts of `/.well-known/openid-configuration` octo uses. */
const DiscoveryDoc = v.object({
  issuer: v.string(),
  authorization_endpoint: v.pipe(v.string(), v.url()),
  token_endpoint: v.pipe(v.string(), v.url()),
  jwks_uri: v.pipe(v.string(), v.url()),
  userinfo_endpoint: v.optional(v.pipe(v.string(), v.url())),
  end_session_endpoint: v.optional(v.pipe(v.string(), v.url())),
  token_endpoint_auth_methods_supported: v.optional(v.array(v.string())),
  id_token_signing_alg_values_supported: v.optional(v.array(v.string())),
});
export type DiscoveryDoc = v.InferOutput<typeof DiscoveryDoc>;

export interface Discovered {
  doc: DiscoveryDoc;
  /** The provider's signing keys; an unknown `kid` makes jose fetch the JWKS again (rotation). */
  keys: JWTVerifyGetKey;
}

export interface DiscoveryOptions {
  /** How long a discovery document is used before it is read again. */
  ttlMs: number;
  /** Least time between two JWKS fetches (jose's cooldown, against a flood of unknown `kid`s). */
  jwksCooldownMs: number;
  timeoutMs: number;
  now: () => number;
}

/**
 * Discovery per issuer, cached: read on first use (a provider that is down at start-up does not
 * stop octo), again after `ttlMs`; a failed refresh keeps the last good document. The issuer in the
 * document must be the configured one exactly (OpenID Connect Discovery §4.3).
 */
export class DiscoveryCache {
  private readonly entries = new Map<string, { at: number; value: Discovered }>();
  private readonly inFlight = new Map<string, Promise<Result<Discovered>>>();

  constructor(private readonly opts: DiscoveryOptions) {}

  async get(issuer: string): Promise<Result<Discovered>> {
    const cached = this.entries.get(issuer);
    if (cached && this.opts.now() - cached.at < this.opts.ttlMs) return ok(cached.value);
    let pending = this.inFlight.get(issuer);
    if (!pending) {
      pending = this.load(issuer).finally(() => this.inFlight.delete(issuer));
      this.inFlight.set(issuer, pending);
    }
    const loaded = await pending;
    if (!loaded.ok && cached) return ok(cached.value);
    return loaded;
  }

  private async load(issuer: string): Promise<Result<Discovered>> {
    const url = `${issuer.replace(/\/$/, "")}/.well-known/openid-configuration`;
    let body: unknown;
    try {
      const res = await fetch(url, {
        headers: { accept: "application/json" },
        signal: AbortSignal.timeout(this.opts.timeoutMs),
      });
      if (!res.ok) return fail("oidc_unavailable", `the provider's discovery answered ${res.status}`);
      body = await res.json();
    } catch (e) {
      return fail("oidc_unavailable", `the provider's discovery could not be read: ${(e as Error).message}`);
    }
    const doc = v.safeParse(DiscoveryDoc, body);
    if (!doc.success) return fail("oidc_unavailable", "the provider's discovery document is incomplete");
    if (doc.output.issuer !== issuer)
      return fail("oidc_unavailable", `the provider calls itself ${doc.output.issuer}, not ${issuer}`);
    const previous = this.entries.get(issuer)?.value;
    // The same JWKS URL keeps its key set (and jose's cache of keys) across refreshes.
    const keys =
      previous && previous.doc.jwks_uri === doc.output.jwks_uri
        ? previous.keys
        : createRemoteJWKSet(new URL(doc.output.jwks_uri), {
            cooldownDuration: this.opts.jwksCooldownMs,
            timeoutDuration: this.opts.timeoutMs,
          });
    const value = { doc: doc.output, keys };
    this.entries.set(issuer, { at: this.opts.now(), value });
    return ok(value);
  }
}

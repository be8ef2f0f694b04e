import { errors, jwtVerify, SignJWT } from "jose";
import * as v from "valibot";
import { fail, ok, type Result } from "../protocol/errors.ts";
import { newId } from "../protocol/ids.ts";

/**
 * Session tokens: compact HS256 JWTs carried in the `octo_session` cookie, signed and verified by
 * `jose` (see docs/decisions/0007-session-tokens.md for why not the @elysiajs/jwt plugin).
 * `sub` is the user id, `tv` the user's token_version at issue time (bumped on disable and password
 * change, which ends every live token), `sid` the sign-in it belongs to: renewals keep it, so
 * logging out revokes the whole chain. Times are in seconds, as JWT has them.
 */
export interface SessionClaims {
  sub: string;
  tv: number;
  sid: string;
  iat: number;
  exp: number;
}

const Claims = v.object({
  sub: v.pipe(v.string(), v.minLength(1)),
  tv: v.pipe(v.number(), v.integer()),
  sid: v.pipe(v.string(), v.minLength(1), v.maxLength(64)),
  iat: v.pipe(v.number(), v.integer()),
  exp: v.pipe(v.number(), v.integer()),
});

/** The one algorithm we sign with and the only one accepted: rules out `alg: none` and algorithm switching. */
const ALG = "HS256";

const keys = new Map<string, Uint8Array>();
/** The HMAC key for a secret (encoded once). Device tokens share it, under their own audience. */
export function keyOf(secret: string): Uint8Array {
  let key = keys.get(secret);
  if (!key) {
    key = new TextEncoder().encode(secret);
    keys.set(secret, key);
  }
  return key;
}

export const newSessionId = (nowMs = Date.now()): string => newId("sid", nowMs);

export function issueSessionToken(
  secret: string,
  user: { id: string; token_version: number },
  ttlMs: number,
  nowMs = Date.now(),
  /** The sign-in this token continues (renewal); a new sign-in gets a new one. */
  sid = newSessionId(nowMs),
): Promise<string> {
  const iat = Math.floor(nowMs / 1000);
  return new SignJWT({ tv: user.token_version, sid })
    .setProtectedHeader({ alg: ALG, typ: "JWT" })
    .setSubject(user.id)
    .setIssuedAt(iat)
    .setExpirationTime(iat + Math.ceil(ttlMs / 1000))
    .sign(keyOf(secret));
}

/** Check signature, algorithm, shape and expiry. Whether the user still matches `tv` is the caller's job. */
export async function verifySessionToken(
  secret: string,
  token: string,
  nowMs = Date.now(),
): Promise<Result<SessionClaims>> {
  const invalid = fail("token_invalid", "the session token is not valid; sign in again");
  let payload: unknown;
  try {
    ({ payload } = await jwtVerify(token, keyOf(secret), {
      algorithms: [ALG],
      typ: "JWT",
      currentDate: new Date(nowMs),
      requiredClaims: ["sub", "iat", "exp"],
    }));
  } catch (e) {
    if (e instanceof errors.JWTExpired)
      return fail("token_expired", "the session has expired; sign in again");
    return invalid;
  }
  const claims = v.safeParse(Claims, payload);
  if (!claims.success) return invalid;
  const { sub, tv, sid, iat, exp } = claims.output;
  return ok({ sub, tv, sid, iat, exp });
}

/** Past half its life a token is replaced, so an active user never meets the expiry. */
export const needsRenewal = (claims: SessionClaims, nowMs = Date.now()): boolean =>
  nowMs / 1000 - claims.iat > (claims.exp - claims.iat) / 2;

import { createHmac, timingSafeEqual } from "node:crypto";
import * as v from "valibot";
import { fail, ok, type Result } from "../protocol/errors.ts";

/**
 * Session tokens: compact HS256 JWTs carried in the `octo_session` cookie.
 * `sub` is the user id, `tv` the user's token_version at issue time (bumped on disable and password
 * change, which ends every live token). Times are in seconds, as JWT has them.
 */
export interface SessionClaims {
  sub: string;
  tv: number;
  iat: number;
  exp: number;
}

const Claims = v.object({
  sub: v.pipe(v.string(), v.minLength(1)),
  tv: v.pipe(v.number(), v.integer()),
  iat: v.pipe(v.number(), v.integer()),
  exp: v.pipe(v.number(), v.integer()),
});

const HEADER = b64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));

function b64url(text: string): string {
  return Buffer.from(text).toString("base64url");
}

const sign = (secret: string, data: string): Buffer => createHmac("sha256", secret).update(data).digest();

export function issueSessionToken(
  secret: string,
  user: { id: string; token_version: number },
  ttlMs: number,
  nowMs = Date.now(),
): string {
  const iat = Math.floor(nowMs / 1000);
  const claims: SessionClaims = {
    sub: user.id,
    tv: user.token_version,
    iat,
    exp: iat + Math.ceil(ttlMs / 1000),
  };
  const body = `${HEADER}.${b64url(JSON.stringify(claims))}`;
  return `${body}.${sign(secret, body).toString("base64url")}`;
}

/** Check signature, shape and expiry. Whether the user still exists and matches `tv` is the caller's job. */
export function verifySessionToken(secret: string, token: string, nowMs = Date.now()): Result<SessionClaims> {
  const invalid = fail("token_invalid", "the session token is not valid; sign in again");
  const parts = token.split(".");
  if (parts.length !== 3) return invalid;
  const [header, payload, signature] = parts as [string, string, string];
  // Only our own header is accepted: this rules out alg=none and any algorithm switching.
  if (header !== HEADER) return invalid;
  const expected = sign(secret, `${header}.${payload}`);
  const given = Buffer.from(signature, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return invalid;
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
  } catch {
    return invalid;
  }
  const claims = v.safeParse(Claims, decoded);
  if (!claims.success) return invalid;
  if (claims.output.exp * 1000 <= nowMs)
    return fail("token_expired", "the session has expired; sign in again");
  return ok(claims.output);
}

/** Past half its life a token is replaced, so an active user never meets the expiry. */
export const needsRenewal = (claims: SessionClaims, nowMs = Date.now()): boolean =>
  nowMs / 1000 - claims.iat > (claims.exp - claims.iat) / 2;

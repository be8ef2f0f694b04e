import { jwtVerify, SignJWT } from "jose";
import * as v from "valibot";
import { keyOf } from "./session-token.ts";

/**
 * Device tokens: the `octo_device` cookie a browser gets on a successful sign-in. It says "this
 * browser has signed in as this user before", so that a flood of wrong passwords from elsewhere
 * cannot lock the user out (src/auth/login-guard.ts). It grants nothing by itself. HS256 with the
 * session secret, but its own audience: it is never accepted as a session token, nor the reverse.
 */
const AUDIENCE = "octo-device";
const ALG = "HS256";
export const DEVICE_TTL_MS = 365 * 86_400_000;

export interface DeviceClaims {
  sub: string;
  dev: string;
}

const Claims = v.object({
  sub: v.pipe(v.string(), v.minLength(1)),
  dev: v.pipe(v.string(), v.minLength(8), v.maxLength(64)),
});

export const newDeviceId = (): string =>
  Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("hex");

export function issueDeviceToken(secret: string, claims: DeviceClaims, nowMs = Date.now()): Promise<string> {
  const iat = Math.floor(nowMs / 1000);
  return new SignJWT({ dev: claims.dev })
    .setProtectedHeader({ alg: ALG, typ: "JWT" })
    .setSubject(claims.sub)
    .setAudience(AUDIENCE)
    .setIssuedAt(iat)
    .setExpirationTime(iat + Math.floor(DEVICE_TTL_MS / 1000))
    .sign(keyOf(secret));
}

/** The device's claims, or null for anything else (missing, forged, expired, a session token). */
export async function verifyDeviceToken(
  secret: string,
  token: string | undefined,
  nowMs = Date.now(),
): Promise<DeviceClaims | null> {
  if (!token) return null;
  try {
    const { payload } = await jwtVerify(token, keyOf(secret), {
      algorithms: [ALG],
      audience: AUDIENCE,
      currentDate: new Date(nowMs),
      requiredClaims: ["sub", "exp"],
    });
    const claims = v.safeParse(Claims, payload);
    return claims.success ? { sub: claims.output.sub, dev: claims.output.dev } : null;
  } catch {
    return null;
  }
}

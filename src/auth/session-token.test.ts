import { expect, test } from "bun:test";
import { SignJWT } from "jose";
import { issueSessionToken, needsRenewal, verifySessionToken } from "./session-token.ts";

const SECRET = "s".repeat(48);
const user = { id: "usr_1", token_version: 3 };
const HOUR = 3_600_000;

test("a fresh token verifies and carries user id, token version and sign-in id", async () => {
  const now = 1_700_000_000_000;
  const token = await issueSessionToken(SECRET, user, HOUR, now, "sid_a");
  const r = await verifySessionToken(SECRET, token, now + 1000);
  expect(r).toEqual({
    ok: true,
    value: { sub: "usr_1", tv: 3, sid: "sid_a", iat: 1_700_000_000, exp: 1_700_003_600 },
  });
});

test("an expired token is token_expired, not token_invalid", async () => {
  const now = 1_700_000_000_000;
  const r = await verifySessionToken(
    SECRET,
    await issueSessionToken(SECRET, user, HOUR, now),
    now + HOUR + 1,
  );
  expect(r.ok ? "ok" : r.error.code).toBe("token_expired");
});

test("tampered payload, other secret, alg=none and garbage are token_invalid", async () => {
  const token = await issueSessionToken(SECRET, user, HOUR);
  const [h, p, s] = token.split(".") as [string, string, string];
  const forgedPayload = Buffer.from(
    JSON.stringify({ sub: "usr_admin", tv: 3, sid: "sid_x", iat: 1, exp: 9e9 }),
  ).toString("base64url");
  const none = Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url");
  for (const bad of [
    `${h}.${forgedPayload}.${s}`,
    await issueSessionToken("x".repeat(48), user, HOUR),
    `${none}.${p}.`,
    `${h}.${p}`,
    "garbage",
    `${h}.${p}.${s}x`,
  ]) {
    const r = await verifySessionToken(SECRET, bad);
    expect(r.ok ? "ok" : r.error.code).toBe("token_invalid");
  }
});

test("only HS256 is accepted: a token signed with the same secret under HS512 is token_invalid", async () => {
  const iat = Math.floor(Date.now() / 1000);
  const key = new TextEncoder().encode(SECRET);
  for (const alg of ["HS384", "HS512"]) {
    const other = await new SignJWT({ tv: 3, sid: "sid_a" })
      .setProtectedHeader({ alg, typ: "JWT" })
      .setSubject("usr_1")
      .setIssuedAt(iat)
      .setExpirationTime(iat + 60)
      .sign(key);
    const r = await verifySessionToken(SECRET, other);
    expect(r.ok ? "ok" : r.error.code).toBe("token_invalid");
  }
});

test("a correctly signed token without a sign-in id or with a wrong-typed claim is token_invalid", async () => {
  const iat = Math.floor(Date.now() / 1000);
  const key = new TextEncoder().encode(SECRET);
  for (const claims of [{ tv: 3 }, { tv: "3", sid: "sid_a" }]) {
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setSubject("usr_1")
      .setIssuedAt(iat)
      .setExpirationTime(iat + 60)
      .sign(key);
    const r = await verifySessionToken(SECRET, token);
    expect(r.ok ? "ok" : r.error.code).toBe("token_invalid");
  }
});

test("renewal is due only past half the token's life", () => {
  const now = 1_700_000_000_000;
  const claims = { sub: "u", tv: 0, sid: "sid_a", iat: now / 1000, exp: now / 1000 + 100 };
  expect(needsRenewal(claims, now + 49_000)).toBe(false);
  expect(needsRenewal(claims, now + 51_000)).toBe(true);
});

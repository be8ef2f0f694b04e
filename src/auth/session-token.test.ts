import { expect, test } from "bun:test";
import { issueSessionToken, needsRenewal, verifySessionToken } from "./session-token.ts";

const SECRET = "s".repeat(48);
const user = { id: "usr_1", token_version: 3 };
const HOUR = 3_600_000;

test("a fresh token verifies and carries user id and token version", () => {
  const now = 1_700_000_000_000;
  const r = verifySessionToken(SECRET, issueSessionToken(SECRET, user, HOUR, now), now + 1000);
  expect(r).toEqual({ ok: true, value: { sub: "usr_1", tv: 3, iat: 1_700_000_000, exp: 1_700_003_600 } });
});

test("an expired token is token_expired, not token_invalid", () => {
  const now = 1_700_000_000_000;
  const r = verifySessionToken(SECRET, issueSessionToken(SECRET, user, HOUR, now), now + HOUR + 1);
  expect(r.ok ? "ok" : r.error.code).toBe("token_expired");
});

test("tampered payload, other secret, alg=none and garbage are token_invalid", () => {
  const token = issueSessionToken(SECRET, user, HOUR);
  const [h, p, s] = token.split(".") as [string, string, string];
  const forgedPayload = Buffer.from(JSON.stringify({ sub: "usr_admin", tv: 3, iat: 1, exp: 9e9 })).toString(
    "base64url",
  );
  const none = Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url");
  for (const bad of [
    `${h}.${forgedPayload}.${s}`,
    issueSessionToken("x".repeat(48), user, HOUR),
    `${none}.${p}.`,
    `${h}.${p}`,
    "garbage",
    `${h}.${p}.${s}x`,
  ]) {
    const r = verifySessionToken(SECRET, bad);
    expect(r.ok ? "ok" : r.error.code).toBe("token_invalid");
  }
});

test("renewal is due only past half the token's life", () => {
  const now = 1_700_000_000_000;
  const claims = { sub: "u", tv: 0, iat: now / 1000, exp: now / 1000 + 100 };
  expect(needsRenewal(claims, now + 49_000)).toBe(false);
  expect(needsRenewal(claims, now + 51_000)).toBe(true);
});

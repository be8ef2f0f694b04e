import { afterAll, beforeAll, expect, test } from "bun:test";
import { type SsoSetup, startSso } from "./harness.ts";

/** One address cannot fill the store of sign-ins under way: /start is limited per client address. */

let s: SsoSetup;
beforeAll(async () => {
  s = await startSso();
});
afterAll(() => s.stop());

test("past 60 starts a minute from one address, /start sends the browser back with rate_limited", async () => {
  const start = async () => {
    const res = await fetch(`${s.t.url}/api/auth/oidc/corp/start`, { redirect: "manual" });
    return new URL(res.headers.get("location") ?? "", s.t.url);
  };
  for (let i = 0; i < 60; i++) expect((await start()).origin).toBe(s.idp.issuer);
  const refused = await start();
  expect(refused.pathname).toBe("/login");
  expect(refused.searchParams.get("error")).toBe("rate_limited");
});

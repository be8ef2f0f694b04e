#!/usr/bin/env bun
/**
 * Single sign-on round trips through a real OpenID provider (oidc-provider on 127.0.0.1), as a
 * browser makes them, each redirect one HTTP request:
 *   - new person: octo start → provider login and consent pages → octo callback (code exchange,
 *     ID token verified against the JWKS, userinfo, account made) → /api/auth/me;
 *   - returning person with a provider session: start → provider (no pages) → callback → /me;
 *   - octo's callback alone (what octo adds: token + userinfo requests, verification, session).
 * Run: `bun bench/oidc.ts [runs]`. Prints numbers; asserts nothing.
 */
import { finishAt, Jar, throughProvider } from "../test/fixtures/oidc/flow.ts";
import { startSso } from "../test/oidc/harness.ts";

const RUNS = Number(process.argv[2] ?? 40);
// Each person comes from an address of their own (loopback, through a trusted proxy), as a team
// would: /start is limited per address.
const s = await startSso('[server]\ntrusted_proxies = ["127.0.0.1"]\n');
const from = (i: number) => ({ "x-forwarded-for": `127.0.${1 + Math.floor(i / 250)}.${1 + (i % 250)}` });

const pct = (xs: number[], p: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
};
const show = (name: string, xs: number[]) =>
  console.log(
    `${name.padEnd(44)} p50 ${pct(xs, 50).toFixed(1).padStart(6)} ms   p95 ${pct(xs, 95).toFixed(1).padStart(6)} ms   (n=${xs.length})`,
  );

async function me(session: string | undefined): Promise<void> {
  const res = await fetch(`${s.t.url}/api/auth/me`, { headers: { cookie: `octo_session=${session}` } });
  if (res.status !== 200) throw new Error(`me answered ${res.status}`);
  await res.text();
}

const fresh: number[] = [];
const returning: number[] = [];
const callbackOnly: number[] = [];
// Warm-up: discovery and JWKS are read once and cached.
s.idp.accounts.set("warm", { preferred_username: "warm", groups: ["octo-users"] });
const warm = await throughProvider(s.t.url, "corp", "warm");
await finishAt(warm.callback, warm.jar);

for (let i = 0; i < RUNS; i++) {
  const sub = `bench-${i}`;
  s.idp.accounts.set(sub, { preferred_username: `bench${i}`, groups: ["octo-users"] });
  const jar = new Jar();
  let t0 = performance.now();
  const first = await throughProvider(s.t.url, "corp", sub, { jar, headers: from(i) });
  const c0 = performance.now();
  const done = await finishAt(first.callback, jar);
  callbackOnly.push(performance.now() - c0);
  await me(done.session);
  fresh.push(performance.now() - t0);

  t0 = performance.now();
  const again = await throughProvider(s.t.url, "corp", sub, { jar, headers: from(i) });
  const c1 = performance.now();
  const done2 = await finishAt(again.callback, jar);
  callbackOnly.push(performance.now() - c1);
  await me(done2.session);
  returning.push(performance.now() - t0);
}

const load = (await Bun.file("/proc/loadavg").text()).split(" ")[0];
console.log(`single sign-on round trips, ${RUNS} people, load average ${load}`);
show("new person (login + consent pages, account made)", fresh);
show("returning person (provider session)", returning);
show("octo callback alone", callbackOnly);
await s.stop();

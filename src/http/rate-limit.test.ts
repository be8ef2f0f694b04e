import { expect, test } from "bun:test";
import { SlidingWindowLimiter, takeAll } from "./rate-limit.ts";

test("allows the limit within a window, then refuses with the time until the oldest expires", () => {
  const l = new SlidingWindowLimiter(3, 60_000);
  expect(l.take("ip", 0).allowed).toBe(true);
  expect(l.take("ip", 10_000).allowed).toBe(true);
  expect(l.take("ip", 20_000).allowed).toBe(true);
  const refused = l.take("ip", 30_000);
  expect(refused).toEqual({ allowed: false, retryAfterMs: 30_000 });
  expect(l.take("other", 30_000).allowed).toBe(true);
  // The window slides: at 60.001 s the first attempt has left it.
  expect(l.take("ip", 60_001).allowed).toBe(true);
  expect(l.take("ip", 60_002).allowed).toBe(false);
});

test("a released attempt does not count", () => {
  const l = new SlidingWindowLimiter(1);
  const t = l.take("u", 0);
  if (!t.allowed) throw new Error("first take refused");
  t.release();
  expect(l.take("u", 1).allowed).toBe(true);
  expect(l.take("u", 2).allowed).toBe(false);
});

test("takeAll releases what it took when one limiter refuses", () => {
  const ip = new SlidingWindowLimiter(5);
  const user = new SlidingWindowLimiter(1);
  expect(takeAll([() => ip.take("a", 0), () => user.take("bob", 0)]).allowed).toBe(true);
  expect(takeAll([() => ip.take("a", 1), () => user.take("bob", 1)]).allowed).toBe(false);
  // The refused attempt did not use up the IP's allowance: 1 used, 4 left.
  for (let i = 0; i < 4; i++) expect(ip.take("a", 2 + i).allowed).toBe(true);
  expect(ip.take("a", 10).allowed).toBe(false);
});

test("memory stays bounded under many distinct keys", () => {
  const l = new SlidingWindowLimiter(1, 60_000, 100);
  for (let i = 0; i < 1000; i++) l.take(`k${i}`, i);
  expect((l as unknown as { hits: Map<string, number[]> }).hits.size).toBeLessThanOrEqual(100);
});

import { describe, expect, test } from "bun:test";
import { PENDING_TTL_MS, type PendingSignIn, PendingSignIns } from "./pending.ts";

const entry = (createdAt: number): PendingSignIn => ({
  provider: "corp",
  nonce: "n",
  verifier: "v",
  bindingHash: "h",
  redirectUri: "http://x/cb",
  next: "/",
  createdAt,
});

describe("PendingSignIns", () => {
  test("a state works once", () => {
    const store = new PendingSignIns(() => 1000);
    store.put("s1", entry(1000));
    expect(store.take("s1")?.nonce).toBe("n");
    expect(store.take("s1")).toBeNull();
    expect(store.take("never-put")).toBeNull();
  });

  test("an old state is refused, and old ones are dropped as new ones arrive", () => {
    let now = 0;
    const store = new PendingSignIns(() => now);
    store.put("old", entry(0));
    store.put("older-too", entry(0));
    now = PENDING_TTL_MS + 1;
    expect(store.take("old")).toBeNull();
    store.put("fresh", entry(now));
    expect(store.size).toBe(1);
    expect(store.take("fresh")).not.toBeNull();
  });

  test("the store is bounded: the oldest sign-in under way gives way", () => {
    const store = new PendingSignIns(() => 0);
    for (let i = 0; i <= 10_000; i++) store.put(`s${i}`, entry(0));
    expect(store.size).toBe(10_000);
    expect(store.take("s0")).toBeNull();
    expect(store.take("s10000")).not.toBeNull();
  });
});

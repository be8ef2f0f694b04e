/**
 * Sliding-window attempt counter (a log of timestamps per key). Attempts are reserved before the
 * slow check so that a burst of concurrent requests cannot all slip in; a successful attempt is
 * released again, so only failures use up the allowance.
 */
export type Take = { allowed: true; release(): void } | { allowed: false; retryAfterMs: number };

export class SlidingWindowLimiter {
  private readonly hits = new Map<string, number[]>();

  constructor(
    private readonly limit: number,
    private readonly windowMs = 60_000,
    private readonly maxKeys = 50_000,
  ) {}

  take(key: string, now = Date.now()): Take {
    const recent = this.prune(key, now);
    if (recent.length >= this.limit) {
      const oldest = recent[0] ?? now;
      return { allowed: false, retryAfterMs: Math.max(1, oldest + this.windowMs - now) };
    }
    recent.push(now);
    this.hits.set(key, recent);
    this.bound(now);
    return {
      allowed: true,
      release: () => {
        const list = this.hits.get(key);
        const i = list?.lastIndexOf(now) ?? -1;
        if (list && i >= 0) list.splice(i, 1);
      },
    };
  }

  private prune(key: string, now: number): number[] {
    const list = this.hits.get(key) ?? [];
    const fresh = list.filter((t) => t > now - this.windowMs);
    if (fresh.length === 0) this.hits.delete(key);
    return fresh;
  }

  /** Memory stays bounded under a spray of distinct keys: drop expired keys, then the oldest. */
  private bound(now: number): void {
    if (this.hits.size <= this.maxKeys) return;
    for (const key of [...this.hits.keys()]) this.prune(key, now);
    for (const key of this.hits.keys()) {
      if (this.hits.size <= this.maxKeys) break;
      this.hits.delete(key);
    }
  }
}

/** Take from several limiters at once: all or nothing. */
export function takeAll(takes: (() => Take)[]): Take {
  const granted: Extract<Take, { allowed: true }>[] = [];
  for (const take of takes) {
    const t = take();
    if (!t.allowed) {
      for (const g of granted) g.release();
      return t;
    }
    granted.push(t);
  }
  return {
    allowed: true,
    release() {
      for (const g of granted) g.release();
    },
  };
}

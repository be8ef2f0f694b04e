/**
 * Time for the scheduler, behind a small interface so tests drive it with a fake clock: `now()` and
 * one-shot timers. The system clock is the real default.
 */
export interface Clock {
  now(): number;
  /** Calls `fn` once, about `ms` from now. */
  setTimer(ms: number, fn: () => void): unknown;
  clearTimer(handle: unknown): void;
}

/** Longest single wait: timers are re-armed at least this often (setTimeout overflows past ~24.8 days). */
export const MAX_TIMER_MS = 60 * 60_000;

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(ms, fn) {
    const t = setTimeout(fn, Math.max(0, Math.min(ms, MAX_TIMER_MS)));
    t.unref?.();
    return t;
  },
  clearTimer: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

interface FakeTimer {
  at: number;
  fn: () => void;
  id: number;
}

/**
 * A clock that moves only when told. `advanceTo` fires due timers in time order, setting `now` to
 * each timer's time first, so what a timer sees is exactly what the real clock would show.
 */
export class FakeClock implements Clock {
  private timers: FakeTimer[] = [];
  private nextId = 1;

  constructor(private current: number) {}

  now(): number {
    return this.current;
  }

  setTimer(ms: number, fn: () => void): number {
    const id = this.nextId++;
    this.timers.push({ at: this.current + Math.max(0, Math.min(ms, MAX_TIMER_MS)), fn, id });
    return id;
  }

  clearTimer(handle: unknown): void {
    this.timers = this.timers.filter((t) => t.id !== handle);
  }

  /** Pending timers (for assertions: a stopped scheduler leaves none). */
  get pending(): number {
    return this.timers.length;
  }

  /** Move to `to`, firing every timer due on the way, in order; `settle` runs after each (async work). */
  async advanceTo(to: number, settle?: () => Promise<void>): Promise<void> {
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at || a.id - b.id);
      const next = this.timers[0];
      if (!next || next.at > to) break;
      this.timers.shift();
      this.current = Math.max(this.current, next.at);
      next.fn();
      await settle?.();
    }
    this.current = Math.max(this.current, to);
  }

  advance(ms: number, settle?: () => Promise<void>): Promise<void> {
    return this.advanceTo(this.current + ms, settle);
  }
}

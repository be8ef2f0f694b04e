/**
 * A runner spends most of its life idle, and one per user adds up: after a burst of work, once
 * nothing has happened for a while, run one full collection so the heap shrinks back instead of
 * waiting for allocation pressure that an idle process never creates.
 */
export class IdleCollector {
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly idleMs = 3000) {}

  /** Something happened: (re)arm the timer. Cheap enough to call per request. */
  touch(): void {
    if (this.timer) this.timer.refresh();
    else {
      this.timer = setTimeout(() => {
        this.timer = null;
        Bun.gc(true);
      }, this.idleMs);
      this.timer.unref();
    }
  }
}

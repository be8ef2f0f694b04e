/** How often, at most, a running agent's stored events are acknowledged to its runner. */
export const ACK_INTERVAL_MS = 25;

export interface AckTimer {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const realTimer: AckTimer = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * Acknowledgements of one process's events, coalesced: at most one `ack` per interval carrying the
 * highest stored seq, instead of one per stored batch (one per socket read per process: hundreds a
 * second per flooding agent, each a request line and a response line on the runner's socket).
 *
 * Safe to delay: the seq each batch reaches is stored with the batch (the history's watermark), so
 * a reconnecting runner replays what was not yet acknowledged and the link skips what it stored.
 * An ack only lets the runner drop its copy sooner.
 */
export class AckCoalescer {
  private stored = 0;
  private sent = 0;
  private timer: unknown = null;

  constructor(
    private readonly send: (seq: number) => void,
    private readonly intervalMs = ACK_INTERVAL_MS,
    private readonly clock: AckTimer = realTimer,
  ) {}

  /** Events up to `seq` are stored: acknowledge them within the interval. */
  note(seq: number): void {
    if (seq > this.stored) this.stored = seq;
    if (this.timer === null && this.stored > this.sent)
      this.timer = this.clock.set(() => {
        this.timer = null;
        this.now();
      }, this.intervalMs);
  }

  /** Acknowledge everything stored now (the process exited, the link detaches, the server stops). */
  now(): void {
    if (this.timer !== null) {
      this.clock.clear(this.timer);
      this.timer = null;
    }
    if (this.stored <= this.sent) return;
    this.sent = this.stored;
    this.send(this.sent);
  }
}

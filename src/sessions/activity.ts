/** How often a session's `last_active_at` may be written, at most. */
export const ACTIVITY_WRITE_INTERVAL_MS = 5000;

/**
 * A session's last activity, kept in memory and written to the main database at most once per
 * interval. Every stored event batch is activity; writing each one would cost a main-database write
 * per streamed batch. Idle reaping reads `latest`, which is always current; the row catches up on
 * the next write after the interval or on `flush` (close, stop, reaping, agent gone).
 */
export class ActivityLog {
  private readonly written = new Map<string, number>();
  private readonly unwritten = new Map<string, number>();

  constructor(
    private readonly write: (sessionId: string, at: number) => void,
    private readonly now: () => number,
    private readonly intervalMs = ACTIVITY_WRITE_INTERVAL_MS,
  ) {}

  /** The session was active now. */
  touch(sessionId: string): void {
    const at = this.now();
    const last = this.written.get(sessionId);
    if (last !== undefined && at - last < this.intervalMs) {
      this.unwritten.set(sessionId, at);
      return;
    }
    this.store(sessionId, at);
  }

  /** The latest activity seen in memory, if any since start-up. */
  latest(sessionId: string): number | undefined {
    return this.unwritten.get(sessionId) ?? this.written.get(sessionId);
  }

  /** Write the session's unwritten activity now. */
  flush(sessionId: string): void {
    const at = this.unwritten.get(sessionId);
    if (at !== undefined) this.store(sessionId, at);
  }

  flushAll(): void {
    for (const id of [...this.unwritten.keys()]) this.flush(id);
  }

  /** The session's agent stopped: write what is unwritten and keep nothing (the next activity is written at once). */
  end(sessionId: string): void {
    this.flush(sessionId);
    this.written.delete(sessionId);
  }

  private store(sessionId: string, at: number): void {
    this.unwritten.delete(sessionId);
    this.written.set(sessionId, at);
    this.write(sessionId, at);
  }
}

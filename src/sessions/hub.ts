import type { HistoryStore, SessionRef, Source, StoredEvent } from "../history/store.ts";
import type { AgentEvent } from "../protocol/agent-events.ts";

/** Where a subscriber's frames go (a WebSocket in production). */
export interface Sink {
  /**
   * `ok`: sent, keep going. `full`: accepted, but the sink is past its buffer bound: stop until drained.
   * `dropped`: not accepted (closed or overflowing): stop, and resend from the store later.
   */
  send(frame: string): "ok" | "full" | "dropped";
  /**
   * Run `fn`, whose sends may be held and written together when it returns (a WebSocket's cork):
   * one system call for a batch of frames instead of one each. Frames and their order are unchanged.
   */
  batch?<T>(fn: () => T): T;
}

/** Run `fn` under the sink's batch, when it has one. */
const batched = <T>(sink: Sink, fn: () => T): T => (sink.batch ? sink.batch(fn) : fn());

export interface Subscription {
  readonly userId: string;
  readonly sessionId: string;
  readonly sink: Sink;
  /** Last seq this sink has been given. Everything after it comes from the store or live. */
  cursor: number;
  /** True while the sink is behind: live events are skipped and the pump fills in from the store. */
  behind: boolean;
  closed: boolean;
}

const PAGE = 512;

/** `events[i]` was stored as `stored[i]`. */
export type StoredObserver = (
  userId: string,
  session: SessionRef,
  events: readonly AgentEvent[],
  stored: readonly StoredEvent[],
) => void;

interface QueuedBatch {
  session: SessionRef;
  events: readonly AgentEvent[];
  source?: Source;
  done: (stored: readonly StoredEvent[]) => void;
}

/** The frame for a stored event: its body is spliced in as is, never re-encoded. */
export const frameOf = (sessionId: string, e: StoredEvent): string =>
  `{"ch":"agent","session_id":"${sessionId}","seq":${e.seq},"ts":${e.ts},${e.body.slice(1)}`;

/**
 * Fan-out of stored agent events to subscribers. Every event is written to the user's history store
 * before any sink sees it, so a subscriber that falls behind, reconnects or subscribes late reads the
 * same numbered events from the store: nothing is duplicated or lost, and a slow sink never holds up
 * the agent or other sinks (its backlog lives in SQLite, not in memory).
 *
 * All of this runs on one thread and SQLite calls are synchronous, so a replay and a live publish can
 * never interleave within a subscription.
 */
export class SessionHub {
  private readonly subs = new Map<string, Set<Subscription>>();
  private readonly observers = new Set<StoredObserver>();
  /** Batches waiting for their user's next commit, per user, in arrival order. */
  private readonly queued = new Map<string, QueuedBatch[]>();
  private tick: ReturnType<typeof setImmediate> | null = null;

  constructor(
    private readonly historyFor: (userId: string) => HistoryStore,
    private readonly log: (message: string, error: unknown) => void = (m, e) => console.error(m, e),
  ) {}

  /** Store, then fan out, now (after anything queued for the user: order is kept). Returns the stored events. */
  publish(
    userId: string,
    session: SessionRef,
    events: readonly AgentEvent[],
    source?: Source,
  ): StoredEvent[] {
    this.commit(userId);
    if (events.length === 0) return [];
    const stored = this.historyFor(userId).append(session, events, Date.now(), source);
    this.fanOut(userId, session, events, stored);
    return stored;
  }

  /**
   * Store at the end of this event-loop turn, in one transaction with every other batch of the same
   * user's history that arrives in the turn (runner reads of all their sessions), then fan out and
   * call `done` with the stored events, in arrival order. `done` runs only after the commit holding
   * the batch (a runner's ack goes there); if the commit fails it is never called. A batch without
   * events stores nothing and still waits for the batches before it.
   */
  publishSoon(
    userId: string,
    session: SessionRef,
    events: readonly AgentEvent[],
    source: Source | undefined,
    done: (stored: readonly StoredEvent[]) => void,
  ): void {
    let q = this.queued.get(userId);
    if (!q) {
      q = [];
      this.queued.set(userId, q);
    }
    q.push({ session, events, ...(source ? { source } : {}), done });
    this.tick ??= setImmediate(() => this.commitAll());
  }

  /** Commit what is queued for a user now (the agent exited, a link detaches, the server stops). */
  commit(userId: string): void {
    const q = this.queued.get(userId);
    if (!q) return;
    this.queued.delete(userId);
    let stored: StoredEvent[][];
    try {
      stored = this.historyFor(userId).appendMany(q, Date.now());
    } catch (e) {
      // Nothing of it is stored or acknowledged: the runner still holds the events.
      this.log("octo: storing agent events failed:", e);
      return;
    }
    q.forEach((b, i) => {
      const s = stored[i] ?? [];
      if (s.length > 0) this.fanOut(userId, b.session, b.events, s);
      b.done(s);
    });
  }

  private commitAll(): void {
    this.tick = null;
    for (const userId of [...this.queued.keys()]) this.commit(userId);
  }

  private fanOut(
    userId: string,
    session: SessionRef,
    events: readonly AgentEvent[],
    stored: readonly StoredEvent[],
  ): void {
    for (const observe of this.observers) {
      try {
        observe(userId, session, events, stored);
      } catch (e) {
        // A side feature (notifications) must never cost a subscriber its events.
        console.error("octo: session event observer failed:", e);
      }
    }
    const subs = this.subs.get(session.id);
    if (!subs) return;
    for (const sub of subs) {
      if (sub.behind || sub.closed) continue;
      batched(sub.sink, () => this.sendLive(sub, session.id, stored));
    }
  }

  private sendLive(sub: Subscription, sessionId: string, stored: readonly StoredEvent[]): void {
    for (const e of stored) {
      if (e.seq <= sub.cursor) continue;
      if (e.seq !== sub.cursor + 1) {
        this.fallBehind(sub);
        return;
      }
      const r = sub.sink.send(frameOf(sessionId, e));
      if (r === "dropped") {
        this.fallBehind(sub);
        return;
      }
      sub.cursor = e.seq;
      if (r === "full") {
        sub.behind = true;
        return;
      }
    }
  }

  /**
   * Hear every stored batch, whether or not anyone is subscribed (notifications read turn ends here).
   * Observers run synchronously before the fan-out and must not throw.
   */
  observe(observer: StoredObserver): () => void {
    this.observers.add(observer);
    return () => void this.observers.delete(observer);
  }

  /** Replay everything after `afterSeq`, then continue live. */
  subscribe(userId: string, sessionId: string, afterSeq: number, sink: Sink): Subscription {
    const sub: Subscription = { userId, sessionId, sink, cursor: afterSeq, behind: true, closed: false };
    let set = this.subs.get(sessionId);
    if (!set) {
      set = new Set();
      this.subs.set(sessionId, set);
    }
    set.add(sub);
    this.pump(sub);
    return sub;
  }

  unsubscribe(sub: Subscription): void {
    sub.closed = true;
    const set = this.subs.get(sub.sessionId);
    set?.delete(sub);
    if (set?.size === 0) this.subs.delete(sub.sessionId);
  }

  /** The sink has room again: catch its subscriptions up from the store. */
  drained(sink: Sink): void {
    for (const set of this.subs.values()) {
      for (const sub of set) if (sub.sink === sink && sub.behind) this.pump(sub);
    }
  }

  /** Drop every subscription of a session (deleted) and return how many there were. */
  dropSession(sessionId: string): number {
    const set = this.subs.get(sessionId);
    if (!set) return 0;
    for (const sub of set) sub.closed = true;
    this.subs.delete(sessionId);
    return set.size;
  }

  subscribers(sessionId: string): number {
    return this.subs.get(sessionId)?.size ?? 0;
  }

  private fallBehind(sub: Subscription): void {
    sub.behind = true;
  }

  /** Send from the store until caught up or the sink is full. */
  private pump(sub: Subscription): void {
    const store = this.historyFor(sub.userId);
    while (!sub.closed) {
      const page = store.replay(sub.sessionId, sub.cursor, PAGE);
      if (page.length === 0) {
        sub.behind = false;
        return;
      }
      if (!batched(sub.sink, () => this.sendPage(sub, page))) return;
    }
  }

  /** True when the whole page was sent and the sink has room for more. */
  private sendPage(sub: Subscription, page: readonly StoredEvent[]): boolean {
    for (const e of page) {
      const r = sub.sink.send(frameOf(sub.sessionId, e));
      if (r === "dropped") return false;
      sub.cursor = e.seq;
      if (r === "full") return false;
    }
    return true;
  }
}

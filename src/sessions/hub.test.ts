import { afterEach, beforeEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HistoryStore } from "../history/store.ts";
import type { AgentEvent } from "../protocol/agent-events.ts";
import { newId } from "../protocol/ids.ts";
import { SessionHub, type Sink } from "./hub.ts";

let dir: string;
let store: HistoryStore;
let hub: SessionHub;
const user = newId("usr");
const ses = { id: newId("ses"), project_id: newId("prj") };

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "octo-hub-"));
  const r = HistoryStore.open(join(dir, "h.db"));
  if (!r.ok) throw new Error(r.error.message);
  store = r.value;
  hub = new SessionHub(() => store);
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A sink with a bounded buffer that a test empties by hand, like a client reading slowly. */
class BoundedSink implements Sink {
  readonly received: number[] = [];
  buffered = 0;
  constructor(
    private readonly capacity = Number.POSITIVE_INFINITY,
    private readonly dropWhenFull = false,
  ) {}
  send(frame: string) {
    if (this.dropWhenFull && this.buffered >= this.capacity) return "dropped" as const;
    this.received.push(JSON.parse(frame).seq);
    this.buffered++;
    return this.buffered >= this.capacity ? ("full" as const) : ("ok" as const);
  }
  read() {
    this.buffered = 0;
  }
}

const deltas = (n: number, from = 0): AgentEvent[] =>
  Array.from({ length: n }, (_, i) => ({ event: "stream.text_delta", delta: `t${from + i}` }));
const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);

test("a subscriber gets history then live events, each exactly once", () => {
  hub.publish(user, ses, deltas(5));
  const sink = new BoundedSink();
  hub.subscribe(user, ses.id, 2, sink);
  hub.publish(user, ses, deltas(3));
  expect(sink.received).toEqual(range(3, 8));
});

test("frames carry the envelope and the stored event unchanged", () => {
  const frames: string[] = [];
  hub.subscribe(user, ses.id, 0, {
    send: (f) => {
      frames.push(f);
      return "ok";
    },
  });
  hub.publish(user, ses, [{ event: "stream.text_delta", delta: 'he said "hi"\n' }]);
  const f = JSON.parse(frames[0] ?? "{}");
  expect(f).toMatchObject({ ch: "agent", session_id: ses.id, seq: 1, event: "stream.text_delta" });
  expect(f.delta).toBe('he said "hi"\n');
});

test("a slow subscriber catches up from the store without slowing a fast one", () => {
  const slow = new BoundedSink(10);
  const fast = new BoundedSink();
  hub.subscribe(user, ses.id, 0, slow);
  hub.subscribe(user, ses.id, 0, fast);
  for (let i = 0; i < 100; i++) hub.publish(user, ses, deltas(3, i * 3));
  expect(fast.received).toEqual(range(1, 300));
  expect(slow.received).toEqual(range(1, 10));
  // The client reads; each drain sends the next bounded page from the store.
  while (slow.received.length < 300) {
    slow.read();
    hub.drained(slow);
  }
  expect(slow.received).toEqual(range(1, 300));
  hub.publish(user, ses, deltas(1));
  slow.read();
  hub.drained(slow);
  expect(slow.received.at(-1)).toBe(301);
  expect(new Set(slow.received).size).toBe(slow.received.length);
});

test("a sink that drops frames loses nothing once it recovers", () => {
  const sink = new BoundedSink(4, true);
  hub.subscribe(user, ses.id, 0, sink);
  hub.publish(user, ses, deltas(20));
  expect(sink.received).toEqual(range(1, 4));
  sink.read();
  hub.drained(sink);
  expect(sink.received).toEqual(range(1, 8));
  while (sink.received.length < 20) {
    sink.read();
    hub.drained(sink);
  }
  expect(sink.received).toEqual(range(1, 20));
});

test("unsubscribed sinks get nothing more; other sessions are separate", () => {
  const a = new BoundedSink();
  const sub = hub.subscribe(user, ses.id, 0, a);
  const other = { id: newId("ses"), project_id: ses.project_id };
  hub.publish(user, other, deltas(2));
  expect(a.received).toEqual([]);
  hub.publish(user, ses, deltas(1));
  hub.unsubscribe(sub);
  hub.publish(user, ses, deltas(1));
  expect(a.received).toEqual([1]);
  expect(hub.subscribers(ses.id)).toBe(0);
});

const nextTurn = () => new Promise<void>((r) => setImmediate(r));

test("batches of a user's sessions arriving in one turn are stored in one transaction, then fanned out in order", async () => {
  const other = { id: newId("ses"), project_id: ses.project_id };
  const a = new BoundedSink();
  const b = new BoundedSink();
  hub.subscribe(user, ses.id, 0, a);
  hub.subscribe(user, other.id, 0, b);
  const done: string[] = [];
  const commits = store.commits;
  hub.publishSoon(user, ses, deltas(2), { proc: "p1", seq: 2 }, (s) => done.push(`a:${s.map((e) => e.seq)}`));
  hub.publishSoon(user, other, deltas(1), { proc: "p2", seq: 1 }, (s) =>
    done.push(`b:${s.map((e) => e.seq)}`),
  );
  hub.publishSoon(user, ses, [], undefined, (s) => done.push(`a-empty:${s.length}`));
  hub.publishSoon(user, ses, deltas(1, 2), { proc: "p1", seq: 4 }, (s) =>
    done.push(`a:${s.map((e) => e.seq)}`),
  );
  // Nothing is stored, sent or acknowledged before the commit.
  expect([done, a.received, b.received, store.replay(ses.id, 0)]).toEqual([[], [], [], []]);
  await nextTurn();
  expect(store.commits).toBe(commits + 1);
  expect(done).toEqual(["a:1,2", "b:1", "a-empty:0", "a:3"]);
  expect(a.received).toEqual([1, 2, 3]);
  expect(b.received).toEqual([1]);
  expect(store.source(ses.id)).toEqual({ proc: "p1", seq: 4 });
  expect(store.replay(ses.id, 0).map((e) => JSON.parse(e.body).delta)).toEqual(["t0", "t1", "t2"]);
});

test("a publish now stores what is queued for the user first; commit() stores it at once", () => {
  const done: number[][] = [];
  hub.publishSoon(user, ses, deltas(2), undefined, (s) => done.push(s.map((e) => e.seq)));
  const now = hub.publish(user, ses, [{ event: "session.title_changed", title: "t" }]);
  expect(done).toEqual([[1, 2]]);
  expect(now.map((e) => e.seq)).toEqual([3]);
  hub.publishSoon(user, ses, deltas(1), undefined, (s) => done.push(s.map((e) => e.seq)));
  hub.commit(user);
  expect(done).toEqual([[1, 2], [4]]);
});

test("a commit that fails stores nothing of the turn and calls no done (no ack)", async () => {
  const errors: unknown[] = [];
  const broken = new SessionHub(
    () => store,
    (_m, e) => errors.push(e),
  );
  const done: number[] = [];
  // An event the schema cannot hold (the seq would repeat): the second insert of the batch fails.
  store.append(ses, deltas(1));
  const bad = { id: ses.id, project_id: ses.project_id };
  broken.publishSoon(user, bad, deltas(2), { proc: "p", seq: 9 }, () => done.push(1));
  // Break the store for this commit only: its seq counter is behind the table.
  (store as unknown as { lastSeq: Map<string, number> }).lastSeq.set(ses.id, 0);
  await nextTurn();
  expect(errors.length).toBe(1);
  expect(done).toEqual([]);
  expect(store.source(ses.id)).toBeNull();
  expect(store.replay(ses.id, 0).length).toBe(1);
});

/** A sink that notes which batch (cork) each frame was sent in: 0 outside any. */
class BatchingSink implements Sink {
  readonly batchOf: number[] = [];
  private batches = 0;
  private current = 0;
  send(_frame: string) {
    this.batchOf.push(this.current);
    return "ok" as const;
  }
  batch<T>(fn: () => T): T {
    this.current = ++this.batches;
    try {
      return fn();
    } finally {
      this.current = 0;
    }
  }
}

test("a stored batch goes to each sink inside one batch of its own (one write per batch, not per frame)", async () => {
  const a = new BatchingSink();
  const b = new BatchingSink();
  hub.subscribe(user, ses.id, 0, a);
  hub.subscribe(user, ses.id, 0, b);
  const done = new Promise<void>((resolve) =>
    hub.publishSoon(user, ses, deltas(40), undefined, () => resolve()),
  );
  await done;
  expect(a.batchOf).toEqual(Array(40).fill(1));
  expect(b.batchOf).toEqual(Array(40).fill(1));
  hub.publish(user, ses, deltas(3));
  expect(a.batchOf.slice(40)).toEqual([2, 2, 2]);
});

test("a replay is sent in batches of a page", () => {
  hub.publish(user, ses, deltas(1200));
  const sink = new BatchingSink();
  hub.subscribe(user, ses.id, 0, sink);
  expect(sink.batchOf.length).toBe(1200);
  expect(new Set(sink.batchOf)).toEqual(new Set([1, 2, 3]));
  expect(sink.batchOf.filter((x) => x === 1).length).toBe(512);
});

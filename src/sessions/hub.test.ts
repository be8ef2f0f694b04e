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

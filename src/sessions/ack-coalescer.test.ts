import { expect, test } from "bun:test";
import { AckCoalescer, type AckTimer } from "./ack-coalescer.ts";

/** A timer the test fires by hand. */
function manualTimer() {
  const pending = new Set<() => void>();
  const timer: AckTimer = {
    set: (fn) => {
      pending.add(fn);
      return fn;
    },
    clear: (h) => pending.delete(h as () => void),
  };
  const fire = () => {
    for (const fn of [...pending]) {
      pending.delete(fn);
      fn();
    }
  };
  return { timer, fire, pending };
}

test("a burst of stored batches becomes one ack with the highest seq", () => {
  const { timer, fire } = manualTimer();
  const sent: number[] = [];
  const acks = new AckCoalescer((seq) => sent.push(seq), 25, timer);
  for (let seq = 1; seq <= 500; seq++) acks.note(seq);
  expect(sent).toEqual([]);
  fire();
  expect(sent).toEqual([500]);
  fire();
  expect(sent).toEqual([500]);
  acks.note(503);
  fire();
  expect(sent).toEqual([500, 503]);
});

test("now() acknowledges at once and cancels the pending one; nothing twice, never backwards", () => {
  const { timer, fire, pending } = manualTimer();
  const sent: number[] = [];
  const acks = new AckCoalescer((seq) => sent.push(seq), 25, timer);
  acks.note(7);
  acks.now();
  expect(sent).toEqual([7]);
  expect(pending.size).toBe(0);
  acks.now();
  acks.note(5);
  fire();
  expect(sent).toEqual([7]);
});

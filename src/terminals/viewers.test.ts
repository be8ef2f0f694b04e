import { expect, test } from "bun:test";
import { newId } from "../protocol/ids.ts";
import { Scrollback } from "./scrollback.ts";
import { type ExitInfo, type Viewer, ViewerSet } from "./viewers.ts";

const id = newId("trm");
const tick = () => new Promise((r) => setImmediate(r));

/** A socket that accepts `room` frames before reporting itself full, and records what it got. */
interface TestSocket {
  room: number;
  frames: Record<string, unknown>[];
  viewer: Viewer;
  text(): string;
  seqs(): number[];
}

function socket(room = Number.POSITIVE_INFINITY): TestSocket {
  const frames: Record<string, unknown>[] = [];
  const s: TestSocket = {
    room,
    frames,
    viewer: {
      send(frame: string): "ok" | "full" {
        frames.push(JSON.parse(frame));
        s.room--;
        return s.room > 0 ? "ok" : "full";
      },
    },
    text: () =>
      frames
        .filter((f) => f.event === "output")
        .map((f) => Buffer.from(String(f.data), "base64").toString())
        .join(""),
    seqs: () => frames.map((f) => f.seq as number),
  };
  return s;
}

function terminal(limit = 1 << 20) {
  const sb = new Scrollback(limit);
  let exit: ExitInfo | null = null;
  const set = new ViewerSet(id, sb, () => exit);
  let seq = 0;
  return {
    sb,
    set,
    out(text: string) {
      seq++;
      const bytes = Buffer.from(text);
      sb.append(seq, bytes);
      set.output(seq, bytes.toString("base64"));
    },
    exit(code: number) {
      exit = { seq: ++seq, code, signal: null };
      set.exited(exit);
    },
  };
}

test("a new viewer gets the scrollback after the response, then live output, each byte once", async () => {
  const t = terminal();
  t.out("one ");
  const v = socket();
  t.set.attach(v.viewer, undefined);
  t.out("two ");
  expect(v.frames).toEqual([]); // nothing before the attach response has gone out
  await tick();
  t.out("three");
  t.exit(0);
  expect(v.text()).toBe("one two three");
  expect(v.frames.at(-1)).toMatchObject({ event: "exit", code: 0 });
  const seqs = v.seqs();
  expect([...new Set(seqs)].sort((a, b) => a - b)).toEqual(seqs);
});

test("re-attaching after a seq sends only what came later", async () => {
  const t = terminal();
  t.out("a");
  t.out("b");
  t.out("c");
  const v = socket();
  t.set.attach(v.viewer, 2);
  await tick();
  expect(v.text()).toBe("c");
});

test("a full socket falls behind without holding up others, then catches up from the scrollback", async () => {
  const t = terminal();
  const slow = socket(2);
  const fast = socket();
  t.set.attach(slow.viewer, undefined);
  t.set.attach(fast.viewer, undefined);
  await tick();
  for (let i = 0; i < 10; i++) t.out(`${i}`);
  expect(fast.text()).toBe("0123456789");
  expect(slow.text()).toBe("01");
  slow.room = Number.POSITIVE_INFINITY;
  t.set.drained(slow.viewer);
  expect(slow.text()).toBe("0123456789");
  t.out("X");
  expect(slow.text()).toBe("0123456789X");
});

test("a viewer that fell behind past the scrollback gets a reset, then the retained tail", async () => {
  const t = terminal(100);
  const slow = socket(1);
  t.set.attach(slow.viewer, undefined);
  await tick();
  t.out("first ");
  for (let i = 0; i < 50; i++) t.out("0123456789");
  slow.room = Number.POSITIVE_INFINITY;
  t.set.drained(slow.viewer);
  const reset = slow.frames.find((f) => f.event === "reset");
  expect(reset?.seq).toBe(t.sb.discardedThrough);
  const after = slow.frames.slice(slow.frames.indexOf(reset as Record<string, unknown>) + 1);
  const tail = after.map((f) => Buffer.from(String(f.data), "base64").toString()).join("");
  expect(tail).toBe("0123456789".repeat(tail.length / 10));
  expect(tail.length).toBeLessThanOrEqual(100);
  expect(slow.seqs()).toEqual([...slow.seqs()].sort((a, b) => a - b));
});

test("a detached viewer gets nothing more", async () => {
  const t = terminal();
  const v = socket();
  t.set.attach(v.viewer, undefined);
  await tick();
  t.out("seen");
  t.set.detach(v.viewer);
  t.out("unseen");
  expect(v.text()).toBe("seen");
});

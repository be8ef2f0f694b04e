import { describe, expect, test } from "bun:test";
import { afterScroll, align, END_SLACK, growUp, resize, tailWindow } from "./chat-window.ts";

const keys = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => ({ key: `k${from + i}` }));

describe("the timeline window", () => {
  test("an older page put before the list shifts the window, so the same rows stay in it", () => {
    const list = keys(100, 160);
    const w = { ...tailWindow(list.length), first: "k100", total: list.length };
    expect(align(w, list)).toEqual({ start: 0, end: 60 });
    // 40 older entries before: the window covers k100…k159 still, now at 40…100.
    expect(align(w, [...keys(60, 100), ...list])).toEqual({ start: 40, end: 100 });
    // …and live entries after it at the same time: it reaches the end still, as resize does.
    expect(align(w, [...keys(60, 100), ...list, ...keys(160, 165)])).toEqual({ start: 40, end: 105 });
  });

  test("a window that left the end stays on its rows when older and newer entries arrive", () => {
    const list = keys(100, 400);
    const w = { start: 10, end: 70, first: "k100", total: list.length };
    expect(align(w, [...keys(50, 100), ...list, ...keys(400, 420)])).toEqual({ start: 60, end: 120 });
    // A list whose first key is gone (a new session) is taken as unchanged at the top.
    expect(
      align(
        w,
        keys(0, 300).map((e) => ({ key: `new-${e.key}` })),
      ),
    ).toEqual({ start: 10, end: 70 });
  });

  test("a window at the end keeps reaching it while a replay grows the list, holding at most `max` rows", () => {
    let w = tailWindow(0);
    let total = 0;
    for (const batch of [30, 400, 1570]) {
      w = resize(w, total, total + batch, 240);
      total += batch;
      expect(w.end).toBe(total);
    }
    expect(w).toEqual({ start: total - 240, end: total });
  });

  test("a window that left the end stays where it is when the list grows", () => {
    const w = growUp({ start: 200, end: 440 }, 60, 240);
    expect(w).toEqual({ start: 140, end: 380 });
    expect(resize(w, 440, 500)).toEqual(w);
  });
});

describe("following the end", () => {
  const at = (o: Partial<Parameters<typeof afterScroll>[0]>) =>
    afterScroll({ gap: 500, movedUp: false, byReader: false, windowAtEnd: true, ...o });

  test("reaching the end pins, unless the window stops short of the list's end", () => {
    expect(at({ gap: 0 })).toBe("pin");
    expect(at({ gap: END_SLACK - 1, movedUp: true, byReader: true })).toBe("pin");
    expect(at({ gap: 0, windowAtEnd: false })).toBe("keep");
  });

  test("only the reader moving up unpins; layout moving the view keeps following", () => {
    expect(at({ movedUp: true, byReader: true })).toBe("unpin");
    expect(at({ movedUp: true, byReader: false })).toBe("keep");
    expect(at({ movedUp: false, byReader: true })).toBe("keep");
  });
});

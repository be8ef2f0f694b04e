import { describe, expect, test } from "bun:test";
import { afterScroll, END_SLACK, growUp, resize, tailWindow } from "./chat-window.ts";

describe("the timeline window", () => {
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

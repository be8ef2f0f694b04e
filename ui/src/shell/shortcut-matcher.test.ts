import { describe, expect, test } from "bun:test";
import { idleMatch, isShortcutCandidate, matchKey, SEQUENCE_WINDOW_MS } from "./shortcut-matcher.ts";

describe("shortcut matcher", () => {
  test("single keys fire at once", () => {
    expect(matchKey(idleMatch, "?", 0).action).toBe("help");
    expect(matchKey(idleMatch, "n", 0).action).toBe("new");
  });
  test("a sequence needs both keys within the window", () => {
    const first = matchKey(idleMatch, "g", 1000);
    expect(first.action).toBeNull();
    expect(first.state.pending).toBe("g");
    expect(matchKey(first.state, "p", 1500).action).toBe("go:/projects");
    expect(matchKey(first.state, "p", 1000 + SEQUENCE_WINDOW_MS + 1).action).toBeNull();
  });
  test("an unknown second key resets the sequence", () => {
    const first = matchKey(idleMatch, "g", 0);
    const second = matchKey(first.state, "x", 10);
    expect(second.action).toBeNull();
    expect(second.state.pending).toBeNull();
  });
  test("a single-key shortcut after a dead sequence still fires", () => {
    const first = matchKey(idleMatch, "g", 0);
    expect(matchKey(first.state, "?", 10).action).toBe("help");
  });
  test("unknown keys do nothing", () => {
    expect(matchKey(idleMatch, "q", 0)).toEqual({ state: idleMatch, action: null });
  });
  test("typing in fields or with modifiers is not a shortcut", () => {
    const base = { key: "n", ctrlKey: false, metaKey: false, altKey: false };
    expect(isShortcutCandidate({ ...base, target: { tagName: "BODY" } })).toBe(true);
    expect(isShortcutCandidate({ ...base, target: { tagName: "INPUT" } })).toBe(false);
    expect(isShortcutCandidate({ ...base, target: { tagName: "TEXTAREA" } })).toBe(false);
    expect(isShortcutCandidate({ ...base, target: { tagName: "DIV", isContentEditable: true } })).toBe(false);
    expect(isShortcutCandidate({ ...base, ctrlKey: true, target: null })).toBe(false);
    expect(isShortcutCandidate({ ...base, metaKey: true, target: null })).toBe(false);
  });
});

import { describe, expect, test } from "bun:test";
import { BASE_DELAY_MS, isAuthClose, MAX_DELAY_MS, reconnectDelay } from "./mux-reconnect.ts";

describe("reconnect delay", () => {
  test("grows exponentially within half-to-full of the ceiling", () => {
    expect(reconnectDelay(0, () => 0)).toBe(BASE_DELAY_MS / 2);
    expect(reconnectDelay(0, () => 1)).toBe(BASE_DELAY_MS);
    expect(reconnectDelay(3, () => 1)).toBe(BASE_DELAY_MS * 8);
  });
  test("is capped", () => {
    expect(reconnectDelay(50, () => 1)).toBe(MAX_DELAY_MS);
    expect(reconnectDelay(50, () => 0)).toBe(MAX_DELAY_MS / 2);
  });
  test("negative attempts behave like the first", () => {
    expect(reconnectDelay(-3, () => 1)).toBe(BASE_DELAY_MS);
  });
  test("auth closes are recognised", () => {
    expect(isAuthClose(4401)).toBe(true);
    expect(isAuthClose(1006)).toBe(false);
  });
});

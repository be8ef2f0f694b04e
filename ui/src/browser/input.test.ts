import { expect, test } from "bun:test";
import { keyText, pagePoint } from "./input.ts";

test("a point on the scaled picture maps to the page's CSS pixels", () => {
  const box = { left: 10, top: 100, width: 320, height: 200 };
  expect(pagePoint({ clientX: 170, clientY: 200 }, box, { width: 1280, height: 800 })).toEqual({
    x: 640,
    y: 400,
  });
  expect(pagePoint({ clientX: 0, clientY: 0 }, box, { width: 1280, height: 800 })).toEqual({ x: 0, y: 0 });
});

test("printable keys and Enter carry text; others do not", () => {
  expect(keyText("a")).toBe("a");
  expect(keyText("Enter")).toBe("\r");
  expect(keyText("Tab")).toBe("");
});

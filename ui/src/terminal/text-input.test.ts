import { expect, test } from "bun:test";
import { metaKey, textOf } from "./text-input.ts";

const key = (k: Partial<KeyboardEvent>) => ({
  altKey: false,
  ctrlKey: false,
  metaKey: false,
  key: "",
  code: "",
  ...k,
});

test("Alt with a printable key is ESC and the key; AltGr and plain keys are not chords", () => {
  expect(metaKey(key({ altKey: true, key: "b", code: "KeyB" }))).toBe("\x1bb");
  expect(metaKey(key({ altKey: true, key: ".", code: "Period" }))).toBe("\x1b.");
  expect(metaKey(key({ altKey: true, key: "∫", code: "KeyB" }))).toBe("\x1bb");
  expect(metaKey(key({ altKey: true, key: "Dead", code: "KeyU" }))).toBeNull();
  expect(metaKey(key({ altKey: true, ctrlKey: true, key: "@", code: "KeyQ" }))).toBeNull();
  expect(metaKey(key({ key: "b", code: "KeyB" }))).toBeNull();
  expect(metaKey(key({ altKey: true, key: "ArrowLeft", code: "ArrowLeft" }))).toBeNull();
});

test("input events without a keydown become the bytes a shell expects", () => {
  expect(textOf({ inputType: "insertText", data: "said" })).toBe("said");
  expect(textOf({ inputType: "insertLineBreak", data: null })).toBe("\r");
  expect(textOf({ inputType: "deleteContentBackward", data: null })).toBe("\x7f");
  expect(textOf({ inputType: "insertCompositionText", data: "に" })).toBeNull();
});

import { expect, test } from "bun:test";
import { stopReason } from "./messages.ts";

test("a stop reason is one of pi's own; names from Object.prototype are not (found by test/fuzz)", () => {
  expect(stopReason("toolUse")).toBe("tool_use");
  for (const name of ["constructor", "toString", "__proto__", "hasOwnProperty", "", 7, null])
    expect(stopReason(name)).toBeUndefined();
});

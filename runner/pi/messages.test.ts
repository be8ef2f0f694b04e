import { expect, test } from "bun:test";
import { withMemoryBlock } from "../../src/shared/memory-block.ts";
import { stopReason, toCanonicalMessage } from "./messages.ts";

test("a stop reason is one of pi's own; names from Object.prototype are not (found by test/fuzz)", () => {
  expect(stopReason("toolUse")).toBe("tool_use");
  for (const name of ["constructor", "toString", "__proto__", "hasOwnProperty", "", 7, null])
    expect(stopReason(name)).toBeUndefined();
});

test("a user message loses the memory block octo put before it; text and images stay as sent", () => {
  const typed = "How do we deploy?";
  const sent = withMemoryBlock(typed, [{ id: "mem_1", text: "Deploys use ./ship.sh" }]);
  const asString = toCanonicalMessage({ role: "user", content: sent }, "msg_1", 1, "c1");
  expect(asString.parts).toEqual([{ type: "text", text: typed }]);
  const blocks = toCanonicalMessage(
    {
      role: "user",
      content: [
        { type: "text", text: sent },
        { type: "image", data: "AAAA", mimeType: "image/png" },
      ],
    },
    "msg_2",
    1,
  );
  expect(blocks.parts[0]).toEqual({ type: "text", text: typed });
  expect(blocks.parts).toHaveLength(2);
  // Text a person typed that merely mentions the tag is left alone.
  const plain = toCanonicalMessage({ role: "user", content: "what is <octo-memories>?" }, "msg_3", 1);
  expect(plain.parts).toEqual([{ type: "text", text: "what is <octo-memories>?" }]);
});

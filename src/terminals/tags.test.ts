import { expect, test } from "bun:test";
import * as v from "valibot";
import { newId } from "../protocol/ids.ts";
import { ownerTag } from "../protocol/runner.ts";
import { parseTerminalTag, terminalTag } from "./tags.ts";

test("a terminal tag round-trips and is a valid runner tag", () => {
  const t = { owner: newId("usr"), project: newId("prj"), terminal: newId("trm") };
  const tag = terminalTag(t);
  expect(v.is(ownerTag, tag)).toBe(true);
  expect(parseTerminalTag(tag)).toEqual(t);
});

test("other tags are not terminals", () => {
  const [u, p, t] = [newId("usr"), newId("prj"), newId("trm")];
  for (const tag of [
    null,
    "",
    newId("ses"),
    `terminal:${u}:${p}`,
    `terminal:${p}:${u}:${t}`,
    `terminal:${u}:${p}:${t}:x`,
    `shell:${u}:${p}:${t}`,
  ])
    expect(parseTerminalTag(tag)).toBeNull();
});

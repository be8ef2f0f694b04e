import { expect, test } from "bun:test";
import { intOption, parseArgs } from "./args.ts";

test("options anywhere among the words, repeated lists, flags, = form and --", () => {
  const p = parseArgs(["remember", "--tag", "a", "this", "--user", "--tag=b", "--", "--not-an-option"], {
    many: ["tag"],
    flag: ["user"],
  });
  expect(p).toEqual({
    values: {},
    lists: { tag: ["a", "b"] },
    flags: new Set(["user"]),
    words: ["remember", "this", "--not-an-option"],
  });
});

test("unknown options, missing values and bad numbers are one clear message", () => {
  expect(parseArgs(["--nope"], {})).toBe("unknown option --nope");
  expect(parseArgs(["--limit"], { value: ["limit"] })).toBe("--limit needs a value");
  expect(parseArgs(["--user=1"], { flag: ["user"] })).toBe("--user takes no value");
  const p = parseArgs(["--limit", "x"], { value: ["limit"] });
  if (typeof p === "string") throw new Error(p);
  expect(intOption(p, "limit")).toBe("--limit needs a whole number");
});

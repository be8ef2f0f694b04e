import { describe, expect, test } from "bun:test";
import * as v from "valibot";
import { decode } from "./decode.ts";

const Body = v.object({ name: v.pipe(v.string(), v.minLength(1, "is empty")), size: v.number() });

describe("decode", () => {
  test("a valid value comes back parsed", () => {
    expect(decode(Body, { name: "a", size: 1 })).toEqual({ ok: true, value: { name: "a", size: 1 } });
  });

  test("a bad value is validation_failed naming the label and each path", () => {
    const r = decode(Body, { name: "", size: "x" }, "project");
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe("validation_failed");
    expect(r.error.message).toMatch(/^project: name: is empty; size: /);
  });

  test("without a label the message is the issues alone; a non-object is described too", () => {
    const r = decode(Body, 42);
    expect(r.ok || r.error.message).toMatch(/^Invalid type/);
  });
});

describe("describeIssues", () => {
  test("a field that fails two checks is told once, by its first", () => {
    const Url = v.object({
      url: v.pipe(v.string(), v.url("not a URL"), v.startsWith("https://", "not https")),
    });
    const r = decode(Url, { url: "nope" });
    expect(r.ok || r.error.message).toBe("url: not a URL");
  });
});

import { describe, expect, test } from "bun:test";
import * as v from "valibot";
import { decode, describeIssues, variantParser } from "./decode.ts";

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

describe("variantParser", () => {
  const Shape = v.variant("kind", [
    v.object({ kind: v.literal("dot"), x: v.number() }),
    v.object({ kind: v.literal("box"), w: v.number(), h: v.optional(v.number(), 1) }),
    v.object({ kind: v.literal("box"), side: v.string() }),
    v.object({ kind: v.picklist(["line", "ray"]), len: v.number() }),
  ]);
  const parse = variantParser(Shape);
  const same = (value: unknown) => {
    const fast = parse(value);
    const slow = v.safeParse(Shape, value);
    expect(fast.success).toBe(slow.success);
    if (fast.success && slow.success) expect(fast.output).toEqual(slow.output);
    if (!fast.success && !slow.success) expect(describeIssues(fast.issues)).toBe(describeIssues(slow.issues));
    return fast;
  };

  test("answers exactly as the variant does, valid or not", () => {
    expect(same({ kind: "dot", x: 1, extra: true })).toMatchObject({
      success: true,
      output: { kind: "dot", x: 1 },
    });
    expect(same({ kind: "dot", x: "1" }).success).toBe(false);
    // a repeated literal and a non-literal discriminator go through the variant itself
    expect(same({ kind: "box", w: 2 })).toMatchObject({ success: true, output: { h: 1 } });
    expect(same({ kind: "box", side: "s" }).success).toBe(true);
    expect(same({ kind: "ray", len: 3 }).success).toBe(true);
    for (const bad of [{ kind: "nope" }, { x: 1 }, null, 42, "dot", [], { kind: 1 }])
      expect(same(bad).success).toBe(false);
  });

  test("goes straight to the named option: no issue is built for the options before it", () => {
    const built: string[] = [];
    const options = Array.from({ length: 40 }, (_, i) =>
      v.object({
        event: v.literal(`e${i}`, () => {
          built.push(`e${i}`);
          return "no";
        }),
        n: v.number(),
      }),
    );
    const Many = v.variant("event", options as [(typeof options)[number]]);
    expect(v.safeParse(Many, { event: "e39", n: 1 }).success).toBe(true);
    expect(built.length).toBe(39);
    built.length = 0;
    expect(variantParser(Many)({ event: "e39", n: 1 }).success).toBe(true);
    expect(built).toEqual([]);
  });
});

import { expect, test } from "bun:test";
import { slugify } from "./service.ts";

test("slugs are lowercase dash-joined words, never empty or path-like", () => {
  expect(slugify("My First Project")).toBe("my-first-project");
  expect(slugify("Café Déjà-vu")).toBe("cafe-deja-vu");
  expect(slugify("../../etc/passwd")).toBe("etc-passwd");
  expect(slugify("   ")).toBe("project");
  expect(slugify("日本語")).toBe("project");
  expect(slugify("a".repeat(100))).toHaveLength(48);
  expect(slugify(`${"a".repeat(47)} b`)).toBe("a".repeat(47));
});

import { describe, expect, test } from "bun:test";
import * as v from "valibot";
import { Username } from "../../protocol/api.ts";
import { cleanName, deriveUsername } from "./username.ts";

const none = () => false;

describe("deriveUsername", () => {
  test("prefers preferred_username, then the e-mail local part, then the name", () => {
    expect(
      deriveUsername({ preferred_username: "Alice", email: "x@y" }, { maxLength: 27, taken: none }),
    ).toBe("alice");
    expect(deriveUsername({ email: "Bob.Smith@example.com" }, { maxLength: 27, taken: none })).toBe(
      "bob_smith",
    );
    expect(deriveUsername({ name: "Zoë Ågren" }, { maxLength: 27, taken: none })).toBe("zoe_agren");
    expect(deriveUsername({}, { maxLength: 27, taken: none })).toBe("user");
  });

  test("cleans what Linux refuses: case, symbols, leading digits, length", () => {
    for (const [raw, want] of [
      ["  J.Doe+octo ", "j_doe_octo"],
      ["1234abc", "abc"],
      ["__--", "user"],
      ["日本語", "user"],
      ["DOMAIN\\jane", "domain_jane"],
      ["a".repeat(60), "a".repeat(27)],
      ["../../etc/passwd", "etc_passwd"],
    ] as const) {
      const name = cleanName(raw, 27);
      expect(name).toBe(want);
      expect(v.is(Username, name)).toBe(true);
    }
  });

  test("never takes an existing or reserved name: a suffix makes it unique", () => {
    const existing = new Set(["alice", "alice-2"]);
    const taken = (n: string) => existing.has(n);
    expect(deriveUsername({ preferred_username: "alice" }, { maxLength: 27, taken })).toBe("alice-3");
    expect(deriveUsername({ preferred_username: "root" }, { maxLength: 27, taken })).toBe("root-2");
    expect(deriveUsername({ preferred_username: "Admin" }, { maxLength: 27, taken })).toBe("admin-2");
    const long = "b".repeat(27);
    const full = new Set([long]);
    const suffixed = deriveUsername(
      { preferred_username: long },
      { maxLength: 27, taken: (n) => full.has(n) },
    );
    expect(suffixed).toBe(`${"b".repeat(25)}-2`);
    expect(suffixed.length).toBe(27);
  });
});

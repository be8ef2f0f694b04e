import { describe, expect, test } from "bun:test";
import { validateProjectName } from "./project-name.ts";

describe("project names", () => {
  test.each(["website", "My App 2", "a.b_c-d", "9lives"])("accepts %p", (n) => {
    expect(validateProjectName(n)).toBeNull();
  });
  test.each(["", ".", "..", "../etc", "a/b", "-x", ".hidden", "x".repeat(65), "tab\there", "nul\0"])(
    "rejects %p",
    (n) => {
      expect(validateProjectName(n)).not.toBeNull();
    },
  );
});

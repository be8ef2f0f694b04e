import { describe, expect, test } from "bun:test";
import { ioFailure } from "./io-failure.ts";

const errno = (code: string) => Object.assign(new Error(code), { code });

describe("ioFailure", () => {
  test.each([
    ["ENOENT", "not_found"],
    ["EEXIST", "already_exists"],
    ["ENOTDIR", "wrong_type"],
    ["EISDIR", "wrong_type"],
    ["ENOTEMPTY", "not_empty"],
    ["EACCES", "forbidden"],
    ["EPERM", "forbidden"],
    ["ENOSPC", "storage_full"],
    ["EDQUOT", "storage_full"],
    ["EINVAL", "validation_failed"],
    ["EIO", "internal"],
  ])("%s → %s", (code, expected) => {
    expect(ioFailure(errno(code), "a/b").error.code).toBe(expected as never);
  });

  test("names the project-relative path, never an absolute one", () => {
    expect(ioFailure(errno("ENOENT"), "docs/x.md").error.message).toBe("docs/x.md does not exist");
    expect(ioFailure(errno("ENOENT"), "").error.message).toBe("the project folder does not exist");
  });

  test("anything that is not an OS error is a bug and is rethrown", () => {
    expect(() => ioFailure(new TypeError("oops"), "x")).toThrow("oops");
  });
});

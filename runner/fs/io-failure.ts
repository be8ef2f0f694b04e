import { type Failure, fail } from "../../src/protocol/errors.ts";

/** How a project-relative path is named in messages: never the absolute path on this host. */
export const shown = (rel: string) => (rel === "" ? "the project folder" : rel);

/**
 * An operating-system error from a file operation → an expected failure with a stable code.
 * Anything that is not an errno error is a bug and is rethrown.
 */
export function ioFailure(error: unknown, rel: string): Failure {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code !== "string") throw error;
  const what = shown(rel);
  switch (code) {
    case "ENOENT":
      return fail("not_found", `${what} does not exist`);
    case "EEXIST":
      return fail("already_exists", `${what} already exists`);
    case "ENOTDIR":
      return fail("wrong_type", `${what}: a part of the path is not a folder`);
    case "EISDIR":
      return fail("wrong_type", `${what} is a folder`);
    case "ENOTEMPTY":
      return fail("not_empty", `${what} is a folder that is not empty`);
    case "EACCES":
    case "EPERM":
      return fail("forbidden", `${what}: permission denied`);
    case "EROFS":
      return fail("forbidden", `${what} is on a read-only file system`);
    case "ENOSPC":
    case "EDQUOT":
      return fail("storage_full", `no space left to write ${what}`);
    case "ENAMETOOLONG":
      return fail("validation_failed", `${what}: name too long`);
    case "EINVAL":
      return fail("validation_failed", `${what}: invalid operation (moving a folder into itself?)`);
    case "ELOOP":
      return fail("wrong_type", `${what} is a symlink`);
    case "EMFILE":
    case "ENFILE":
      return fail("busy", "too many open files, try again");
    default:
      return fail("internal", `${what}: ${code}`);
  }
}

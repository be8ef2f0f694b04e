import { parseArgs } from "node:util";
import { commandFor } from "../shared/paths.ts";

/**
 * `octo doctor --isolation`: run the sandbox escape battery (`octo-sandbox check`) on this machine
 * and print its pass/fail table. Exits non-zero if any escape attempt succeeded.
 */
export async function doctorCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { isolation: { type: "boolean" }, json: { type: "boolean" } },
    strict: true,
  });
  if (!values.isolation) {
    console.error("usage: octo doctor --isolation [--json]   (run the sandbox escape battery)");
    return 2;
  }
  const proc = Bun.spawn([...commandFor("octo-sandbox"), "check", ...(values.json ? ["--json"] : [])], {
    stdout: "inherit",
    stderr: "inherit",
  });
  return await proc.exited;
}

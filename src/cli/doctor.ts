import { parseArgs } from "node:util";
import { checkHostTools, missingToolsMessage } from "../shared/host-tools.ts";
import { commandFor } from "../shared/paths.ts";

const USAGE = `usage: octo doctor [--isolation] [--json]
  (no option)   check the host programs agents need (bwrap, socat, prlimit, nice); exit 1 if one is missing
  --isolation   run the sandbox escape battery on this machine; exit 1 if an escape succeeded`;

/**
 * `octo doctor`: are the host programs every sandbox needs installed (the same check `octo serve`
 * makes at start-up)? `octo doctor --isolation`: run the sandbox escape battery
 * (`octo-sandbox check`) and print its pass/fail table.
 */
export async function doctorCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { isolation: { type: "boolean" }, json: { type: "boolean" }, help: { type: "boolean" } },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (values.isolation) {
    const proc = Bun.spawn([...commandFor("octo-sandbox"), "check", ...(values.json ? ["--json"] : [])], {
      stdout: "inherit",
      stderr: "inherit",
    });
    return await proc.exited;
  }
  const checks = checkHostTools();
  const problem = missingToolsMessage(checks);
  if (values.json) {
    console.log(JSON.stringify({ ok: !problem, tools: checks, problem: problem ?? null }, null, 2));
  } else {
    for (const c of checks)
      console.log(
        `${c.path ? "ok     " : "MISSING"}  ${c.name.padEnd(8)} ${c.path ?? `apt-get install -y ${c.debianPackage}`}  (${c.neededFor})`,
      );
    console.log(problem ?? "every host program agents need is installed");
  }
  return problem ? 1 : 0;
}

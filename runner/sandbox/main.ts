#!/usr/bin/env bun
import type { ErrorBody } from "../../src/protocol/errors.ts";
import { listProfiles } from "../../src/shared/profiles.ts";
import { runCheck } from "./check.ts";
import { parseRunArgs, USAGE } from "./cli-args.ts";
import { SANDBOX_ERROR_EXIT } from "./layout.ts";
import { dieWithParent } from "./parent-death.ts";
import { describeRun, executeRun, joinCgroup, prepareRun } from "./run.ts";

/** Read first thing: the parent that started us (the runner), before it could have died. */
const PARENT_AT_START = process.ppid;

export { SANDBOX_ERROR_EXIT };

function die(error: ErrorBody): never {
  process.stderr.write(`octo-sandbox: error[${error.code}]: ${error.message}\n`);
  process.exit(SANDBOX_ERROR_EXIT);
}

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  const env = process.env as Record<string, string | undefined>;
  if (command === "run") {
    const req = parseRunArgs(args, env);
    if (!req.ok) die(req.error);
    const run = await prepareRun(req.value, env);
    if (!run.ok) die(run.error);
    if (req.value.print) {
      const { rmSync } = await import("node:fs");
      rmSync(run.value.privateDir, { recursive: true, force: true });
      process.stdout.write(`${JSON.stringify(describeRun(run.value), null, 2)}\n`);
      return 0;
    }
    // Nothing a runner started may outlive it: from here on its death is ours (and bwrap's, and so
    // the whole sandbox's). If it is already gone, start nothing.
    if (!dieWithParent(PARENT_AT_START)) {
      const { rmSync } = await import("node:fs");
      rmSync(run.value.privateDir, { recursive: true, force: true });
      die({ code: "sandbox_unavailable", message: "the process that started octo-sandbox has exited" });
    }
    const joined = joinCgroup(run.value);
    if (!joined.ok) {
      const { rmSync } = await import("node:fs");
      rmSync(run.value.privateDir, { recursive: true, force: true });
      die(joined.error);
    }
    return executeRun(run.value, req.value, env);
  }
  if (command === "profiles") {
    const profiles = listProfiles();
    if (args.includes("--json")) process.stdout.write(`${JSON.stringify(profiles)}\n`);
    else
      for (const p of profiles)
        process.stdout.write(`${p.name.padEnd(10)} ${p.description}  (${p.source})\n`);
    return 0;
  }
  if (command === "check") return runCheck({ json: args.includes("--json") });
  if (command === "--help" || command === "-h" || command === "help") {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  die({ code: "bad_request", message: `unknown command ${JSON.stringify(command ?? "")}\n${USAGE}` });
}

/** Run as the process's entry: from source, or through the one compiled binary (`src/entry.ts`). */
export async function sandboxMain(): Promise<never> {
  process.exit(await main(process.argv.slice(2)));
}

if (import.meta.main) await sandboxMain();

#!/usr/bin/env bun
import * as v from "valibot";
import { userName } from "../src/protocol/runner.ts";
import { createLogger, type LogFormat, type LogLevel } from "../src/shared/log.ts";
import { multiUserRunnerFiles, singleUserRunnerFiles, workspaceFor } from "../src/shared/runner-layout.ts";
import { DEFAULT_MAX_BROWSERS, startRunnerDaemon } from "./daemon.ts";
import { SandboxLauncher } from "./launcher.ts";
import { useCgroupsForGit } from "./review/sandbox-git.ts";
import { SandboxLedger } from "./sandbox/ledger.ts";
import { SandboxCgroups } from "./sandbox-cgroups.ts";

const USAGE = `usage:
  octo-runner --user NAME [--runtime-dir DIR | --socket-dir DIR] [--workspace DIR]
              [--max-processes N] [--max-browsers N] [--buffer-bytes N] [--log-format text|json] [--log-level LEVEL]
      one user's runner. --runtime-dir (default /run/octo): the multi-user layout, socket in
      DIR/runners/NAME/. --socket-dir: the single-user layout, socket and secret in DIR.
  octo-runner --system [--runtime-dir DIR] [--server-group GROUP] [--max-processes N] [--log-format text|json]
              [--workspace-quota-mb N [--workspace-images DIR]]
      the privileged component (root): creates octo_<name> users and starts their runners;
      --workspace-quota-mb caps each workspace (a loop-mounted image in DIR, default
      /var/lib/octo/workspaces).`;

const positiveInt = (flag: string, text: string | undefined, fallback: number): number => {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} must be a positive integer, not ${text}`);
  return n;
};

const nonNegativeInt = (flag: string, text: string | undefined, fallback: number): number =>
  text === "0" ? 0 : positiveInt(flag, text, fallback);

const VALUE_FLAGS = [
  "user",
  "runtime-dir",
  "socket-dir",
  "workspace",
  "server-group",
  "max-processes",
  "max-browsers",
  "buffer-bytes",
  "log-format",
  "log-level",
  "workspace-quota-mb",
  "workspace-images",
] as const;
type Flags = Partial<Record<(typeof VALUE_FLAGS)[number], string>> & { system?: boolean; help?: boolean };

/** A few `--flag value` options (node:util's parseArgs would cost every runner ~2.5 MB of RSS). */
function parseFlags(argv: string[]): Flags {
  const flags: Flags = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--system") flags.system = true;
    else if (arg === "--help" || arg === "-h") flags.help = true;
    else {
      const name = arg.slice(2) as (typeof VALUE_FLAGS)[number];
      if (!arg.startsWith("--") || !VALUE_FLAGS.includes(name)) throw new Error(`unknown option ${arg}`);
      const value = argv[++i];
      if (value === undefined) throw new Error(`${arg} needs a value`);
      flags[name] = value;
    }
  }
  return flags;
}

async function main(argv: string[]): Promise<number> {
  const values = parseFlags(argv);
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const format = (values["log-format"] ?? "text") as LogFormat;
  const level = (values["log-level"] ?? "info") as LogLevel;
  if (!["text", "json"].includes(format)) throw new Error(`--log-format must be text or json`);
  if (!["debug", "info", "warn", "error"].includes(level))
    throw new Error(`--log-level must be debug|info|warn|error`);
  const maxProcesses = positiveInt("--max-processes", values["max-processes"], 64);

  if (values["workspace-images"] !== undefined && values["workspace-quota-mb"] === undefined)
    throw new Error("--workspace-images needs --workspace-quota-mb");
  if (values.system) {
    // Loaded only here: the system component's node:net server stays out of every user's runner.
    const { systemMain } = await import("./system/main.ts");
    return systemMain({
      runtimeDir: values["runtime-dir"] ?? "/run/octo",
      serverGroup: values["server-group"] ?? "octo",
      workspaceQuota:
        values["workspace-quota-mb"] === undefined
          ? undefined
          : {
              sizeMb: positiveInt("--workspace-quota-mb", values["workspace-quota-mb"], 0),
              imagesDir: values["workspace-images"] ?? "/var/lib/octo/workspaces",
            },
      maxProcesses,
      logFormat: format,
      log: createLogger({ format, level, base: { component: "octo-runner-system" } }),
    });
  }

  const user = v.safeParse(userName, values.user);
  if (!user.success) throw new Error(`--user: ${user.issues[0].message}`);
  const name = user.output;
  const single = values["socket-dir"] !== undefined;
  const files = single
    ? singleUserRunnerFiles(values["socket-dir"] as string)
    : multiUserRunnerFiles(values["runtime-dir"] ?? "/run/octo", name);
  const workspace = values.workspace ?? (single ? undefined : workspaceFor(name));
  if (!workspace) throw new Error("--workspace is required with --socket-dir");
  const log = createLogger({ format, level, base: { component: "octo-runner", user: name } });
  const ledger = SandboxLedger.forRunner(files.socket);
  const cgroups = SandboxCgroups.detect(log);
  useCgroupsForGit(cgroups);
  const started = await startRunnerDaemon({
    user: name,
    files,
    workspaceRoot: workspace,
    maxProcesses,
    maxBrowsers: nonNegativeInt("--max-browsers", values["max-browsers"], DEFAULT_MAX_BROWSERS),
    maxBufferBytes: positiveInt("--buffer-bytes", values["buffer-bytes"], 8 * 1024 * 1024),
    launcher: new SandboxLauncher(process.env, ledger, cgroups),
    ledger,
    cgroups,
    log,
  });
  if (!started.ok) {
    log.error(started.error.message, { code: started.error.code });
    return 1;
  }
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log.info("stopping", { signal });
      started.value.stop().then(resolve, resolve);
    };
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));
  });
  return 0;
}

/** Run as the process's entry: from source, or through the one compiled binary (`src/entry.ts`). */
export async function runnerMain(): Promise<never> {
  try {
    process.exit(await main(process.argv.slice(2)));
  } catch (e) {
    console.error(`octo-runner: ${(e as Error).message}\n${USAGE}`);
    process.exit(2);
  }
}

if (import.meta.main) await runnerMain();

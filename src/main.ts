#!/usr/bin/env bun
import { basename } from "node:path";
import { backupCommand, restoreCommand } from "./cli/backup.ts";
import { configCommand } from "./cli/config.ts";
import { ctlCommand } from "./cli/ctl.ts";
import { doctorCommand } from "./cli/doctor.ts";
import { installCommand, uninstallCommand } from "./cli/install.ts";
import { serveCommand } from "./cli/serve.ts";
import { userCommand } from "./cli/user.ts";
import { ISOLATION } from "./config/mode.ts";
import { llmGatewayCommand } from "./llm/gateway-main.ts";
import { VERSION } from "./shared/version.ts";

type Command = (argv: string[]) => Promise<number>;

/** `octo <command>`; invoked as `octoctl` (argv[0] alias), the admin CLI. */
const COMMANDS: Record<string, { run: Command; help: string }> = {
  serve: { run: serveCommand, help: "run the server (--host, --port, --config, --log-format text|json)" },
  config: {
    run: configCommand,
    help: "show | init   effective config (secrets redacted) or a commented default",
  },
  user: {
    run: userCommand,
    help: "add | list | passwd   accounts, straight on the database (no server needed)",
  },
  ctl: { run: ctlCommand, help: "admin CLI for a running server (also installed as `octoctl`); ctl --help" },
  backup: {
    run: backupCommand,
    help: "DIR   consistent online copy of databases, secrets and config (backup --help)",
  },
  restore: { run: restoreCommand, help: "DIR [--force]   restore a backup; the server must be stopped" },
  install: {
    run: installCommand,
    help: "as root: system user, dirs and systemd units (--dry-run --output DIR)",
  },
  uninstall: { run: uninstallCommand, help: "as root: remove the units (keeps data unless --purge)" },
  "llm-gateway": {
    run: llmGatewayCommand,
    help: "the LLM proxy process (started by `octo serve`, or its own systemd unit)",
  },
  doctor: {
    run: doctorCommand,
    help: "check the host programs agents need; --isolation: run the sandbox escape battery",
  },
};

const USAGE = () =>
  [
    `octo ${VERSION}`,
    "usage: octo <command> [options]",
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.help}`),
    "  version    print the version",
    "",
    "Isolation between platform users:",
    `  ${ISOLATION["single-user"]}`,
    `  ${ISOLATION["multi-user"]}`,
  ].join("\n");

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === "help" || cmd === "--help" || cmd === "-h") {
    console.log(USAGE());
    return cmd ? 0 : 2;
  }
  if (cmd === "version" || cmd === "--version") {
    console.log(VERSION);
    return 0;
  }
  const command = COMMANDS[cmd];
  if (!command) {
    console.error(`octo: unknown command "${cmd}"\n${USAGE()}`);
    return 2;
  }
  try {
    return await command.run(rest);
  } catch (e) {
    const err = e as { code?: string; message?: string };
    if (err.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" || err.code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
      console.error(`octo ${cmd}: ${err.message}`);
      return 2;
    }
    throw e;
  }
}

/**
 * A compiled binary reports argv[1] as its embedded entry (`/$bunfs/root/octo`) whatever name it was
 * started by; only argv0 keeps the name (`octoctl`, `./octoctl`, `/usr/local/bin/octoctl`) as typed.
 * From source, argv0 is `bun` and argv[1] is the script or the symlink to it.
 */
function invokedAsOctoctl(): boolean {
  return basename(process.argv0) === "octoctl" || basename(process.argv[1] ?? "") === "octoctl";
}

/** Run as the process's entry: from source, or through the one compiled binary (`src/entry.ts`). */
export async function octoMain(): Promise<never> {
  const args = process.argv.slice(2);
  const argv = invokedAsOctoctl() ? ["ctl", ...args] : args;
  process.exit(await main(argv));
}

if (import.meta.main) await octoMain();

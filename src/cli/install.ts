import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { install, plannedFiles, type Step, uninstall } from "../install/system.ts";
import { DEFAULT_LAYOUT, type InstallLayout } from "../install/units.ts";
import { isCompiled } from "../shared/paths.ts";

const USAGE = `usage: octo install [--bin-dir DIR] [--user NAME] [--dry-run [--output DIR]]
       octo uninstall [--purge] [--user NAME]
install (as root): system user, /etc/octo, /var/lib/octo, /run/octo (tmpfiles.d), and the systemd units
octo.service, octo-llm-gateway.service, octo-runner@.service, octo-runner-system.service. --dry-run --output DIR writes the
files under DIR (DIR/etc/systemd/system/…) and touches nothing else.`;

/** Where the units' ExecStart points: beside the running binary, or /usr/local/bin from source. */
const defaultBinDir = () => (isCompiled() ? dirname(process.execPath) : "/usr/local/bin");

function layoutFrom(values: { "bin-dir"?: string; user?: string }): InstallLayout | string {
  const user = values.user ?? DEFAULT_LAYOUT.user;
  if (!/^[a-z][a-z0-9-]{0,30}$/.test(user))
    return `--user must be a Linux user name like "octo", not ${user}`;
  const binDir = values["bin-dir"] ?? defaultBinDir();
  if (!binDir.startsWith("/")) return `--bin-dir must be an absolute path, not ${binDir}`;
  return { ...DEFAULT_LAYOUT, binDir, user };
}

const print = (steps: Step[]) => {
  for (const s of steps) console.log(`${s.done ? "+" : "="} ${s.what}`);
};

const isRoot = () => process.getuid?.() === 0;

export async function installCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      "bin-dir": { type: "string" },
      user: { type: "string" },
      "dry-run": { type: "boolean" },
      output: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const layout = layoutFrom(values);
  if (typeof layout === "string") {
    console.error(`octo install: ${layout}`);
    return 2;
  }
  if (values.output && !values["dry-run"]) {
    console.error("octo install: --output goes with --dry-run");
    return 2;
  }
  if (values["dry-run"]) {
    for (const file of plannedFiles(layout)) {
      if (!values.output) {
        console.log(`# ${file.path} (mode ${file.mode.toString(8)})\n${file.content}`);
        continue;
      }
      const target = join(values.output, file.path);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, file.content, { mode: file.mode });
      console.log(`would write ${file.path} -> ${target}`);
    }
    console.log(
      `would create system user ${layout.user}, ${layout.configDir} (750), ${layout.dataDir} (700), ${layout.runtimeDir} (tmpfiles.d)`,
    );
    return 0;
  }
  if (!isRoot()) {
    console.error("octo install: must run as root (or use --dry-run --output DIR to see the files)");
    return 1;
  }
  const result = install(layout);
  if (!result.ok) {
    console.error(`octo install: ${result.error.message}`);
    return 1;
  }
  print(result.value);
  const changed = result.value.some((s) => s.done);
  console.log(changed ? "octo is installed as a service." : "octo install: everything was already in place.");
  console.log(
    "Next: systemctl enable --now octo-runner-system.service octo-llm-gateway.service octo.service",
  );
  return 0;
}

export async function uninstallCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { purge: { type: "boolean" }, user: { type: "string" }, help: { type: "boolean", short: "h" } },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const layout = layoutFrom(values);
  if (typeof layout === "string") {
    console.error(`octo uninstall: ${layout}`);
    return 2;
  }
  if (!isRoot()) {
    console.error("octo uninstall: must run as root");
    return 1;
  }
  const result = uninstall(layout, values.purge ?? false);
  if (!result.ok) {
    console.error(`octo uninstall: ${result.error.message}`);
    return 1;
  }
  print(result.value);
  return 0;
}

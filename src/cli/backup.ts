import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { backupDataDir } from "../backup/backup.ts";
import { restoreDataDir } from "../backup/restore.ts";
import { loadConfig } from "../config/index.ts";
import type { Failure } from "../protocol/errors.ts";

const BACKUP_USAGE = `usage: octo backup DIR [--config FILE] [--data-dir DIR]
  A consistent copy of the main and history databases (taken while the server runs), the JWT
  secret and the config file, into DIR (new or empty; created 0700, files 0600), with a manifest
  of SHA-256 checksums. Provider key files named by api_key_file are not copied.`;

const RESTORE_USAGE = `usage: octo restore DIR [--force] [--config FILE] [--data-dir DIR]
  Check a backup made by \`octo backup\`, then restore it into the data dir (from the config, or
  --data-dir). The server must be stopped. A data dir that already holds data is refused unless
  --force, which replaces its databases and secrets. The backup's config file is written where
  the config is read from when none is there (--force replaces a different one).`;

const options = {
  config: { type: "string" },
  "data-dir": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

function report(cmd: string, failure: Failure): number {
  console.error(`octo ${cmd}: ${failure.error.message} [${failure.error.code}]`);
  return 1;
}

export async function backupCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  if (values.help) {
    console.log(BACKUP_USAGE);
    return 0;
  }
  if (positionals.length !== 1) {
    console.error(BACKUP_USAGE);
    return 2;
  }
  const config = loadConfig({ path: values.config });
  if (!config.ok) return report("backup", config);
  const dir = resolve(positionals[0] as string);
  const dataDir = values["data-dir"] ? resolve(values["data-dir"]) : config.value.paths.dataDir;
  const done = backupDataDir(
    { dataDir, configFile: config.value.configFileExists ? config.value.configFile : null },
    dir,
  );
  if (!done.ok) return report("backup", done);
  const histories = done.value.files.filter((f) => f.kind === "history").length;
  const bytes = done.value.files.reduce((n, f) => n + f.bytes, 0);
  console.log(
    `backed up ${dataDir} into ${dir}: main database, ${histories} history database(s), ${done.value.files.length} files, ${bytes} bytes`,
  );
  return 0;
}

export async function restoreCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { ...options, force: { type: "boolean" } },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    console.log(RESTORE_USAGE);
    return 0;
  }
  if (positionals.length !== 1) {
    console.error(RESTORE_USAGE);
    return 2;
  }
  const config = loadConfig({ path: values.config });
  if (!config.ok) return report("restore", config);
  const dir = resolve(positionals[0] as string);
  const dataDir = values["data-dir"] ? resolve(values["data-dir"]) : config.value.paths.dataDir;
  const done = restoreDataDir(dir, {
    dataDir,
    configFile: config.value.configFile,
    force: values.force ?? false,
  });
  if (!done.ok) return report("restore", done);
  const configLine = {
    restored: `config restored to ${config.value.configFile}`,
    unchanged: `config at ${config.value.configFile} already matches`,
    "kept-existing": `kept the existing config ${config.value.configFile} (the backup's is ${dir}/config.toml; --force replaces it)`,
    none: "the backup holds no config file",
  }[done.value.config];
  console.log(
    `restored ${dir} (made ${done.value.manifest.created_at} by octo ${done.value.manifest.octo_version}) into ${dataDir}: ${done.value.users} user history database(s); ${configLine}`,
  );
  return 0;
}

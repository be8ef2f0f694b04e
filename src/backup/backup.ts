import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { fail, ok, type Result } from "../protocol/errors.ts";
import { dataPaths } from "../shared/paths.ts";
import { VERSION } from "../shared/version.ts";
import { snapshotDatabase } from "../storage/snapshot.ts";
import { BACKUP_FORMAT, type BackupFile, MANIFEST_FILE, type Manifest, sha256File } from "./manifest.ts";

export interface BackupSource {
  dataDir: string;
  /** The config file in use, copied when it exists. */
  configFile: string | null;
}

/**
 * `octo backup DIR`: a consistent copy of the main database and every user's history database,
 * taken online (the server may keep running), plus the JWT secret and the config file, with a
 * manifest of checksums. DIR is created 0700 (it must be absent or empty); every file is 0600.
 *
 * The main database is copied first, then the history databases: a session that exists in the
 * copy's main database has at least every event it had at that moment (a later session's events
 * may be in a history copy with no session row — invisible, and harmless).
 */
export function backupDataDir(src: BackupSource, dir: string): Result<Manifest> {
  const paths = dataPaths(src.dataDir);
  if (!existsSync(paths.db)) return fail("not_found", `no octo database at ${paths.db}`);
  if (existsSync(dir) && (!statSync(dir).isDirectory() || readdirSync(dir).length > 0))
    return fail("not_empty", `${dir} is not an empty directory; back up into a new one`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);

  const files: BackupFile[] = [];
  const add = (path: string, kind: BackupFile["kind"]) => {
    const full = join(dir, path);
    files.push({ path, kind, bytes: statSync(full).size, sha256: sha256File(full) });
  };

  const main = snapshotDatabase(paths.db, join(dir, "octo.db"));
  if (!main.ok) return main;
  add("octo.db", "main");

  const userIds = existsSync(paths.usersDir) ? readdirSync(paths.usersDir).sort() : [];
  for (const userId of userIds) {
    const history = paths.historyDb(userId);
    if (!existsSync(history)) continue;
    const rel = `users/${userId}/history.db`;
    mkdirSync(dirname(join(dir, rel)), { recursive: true, mode: 0o700 });
    const copied = snapshotDatabase(history, join(dir, rel));
    if (!copied.ok) return copied;
    add(rel, "history");
  }

  const copySecret = (from: string, rel: string, kind: BackupFile["kind"]) => {
    copyFileSync(from, join(dir, rel));
    chmodSync(join(dir, rel), 0o600);
    add(rel, kind);
  };
  if (existsSync(paths.jwtSecret)) copySecret(paths.jwtSecret, "jwt.secret", "secret");
  // Devices' push subscriptions are bound to this key pair: a restore without it orphans them.
  if (existsSync(paths.vapidKeys)) copySecret(paths.vapidKeys, "vapid.json", "secret");
  if (src.configFile && existsSync(src.configFile)) copySecret(src.configFile, "config.toml", "config");

  const manifest: Manifest = {
    format: BACKUP_FORMAT,
    format_version: 1,
    octo_version: VERSION,
    created_at: new Date().toISOString(),
    source: { data_dir: src.dataDir, config_file: src.configFile },
    files,
  };
  writeFileSync(join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
  return ok(manifest);
}

import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import { decode } from "../protocol/decode.ts";
import { fail, ok, type Result } from "../protocol/errors.ts";
import { lockDataDir } from "../server/data-lock.ts";
import { dataPaths } from "../shared/paths.ts";
import { inspectDatabase } from "../storage/snapshot.ts";
import { MANIFEST_FILE, type Manifest, ManifestSchema, sha256File } from "./manifest.ts";

export interface RestoreTarget {
  dataDir: string;
  configFile: string;
  /** Replace the databases and secrets of a data dir that already holds some. */
  force: boolean;
}

export interface RestoreReport {
  manifest: Manifest;
  users: number;
  /** What happened to the backup's config file. */
  config: "restored" | "unchanged" | "kept-existing" | "none";
}

/** Read the manifest and check every file against it; nothing is written. */
export function verifyBackup(dir: string): Result<Manifest> {
  const manifestFile = join(dir, MANIFEST_FILE);
  if (!existsSync(manifestFile))
    return fail("bad_request", `${dir} is not an octo backup (no ${MANIFEST_FILE})`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(manifestFile, "utf8"));
  } catch (e) {
    return fail("bad_request", `${manifestFile}: ${(e as Error).message}`);
  }
  const manifest = decode(ManifestSchema, raw, manifestFile);
  if (!manifest.ok) return manifest;
  if (!manifest.value.files.some((f) => f.kind === "main"))
    return fail("bad_request", `${manifestFile} lists no main database`);
  for (const f of manifest.value.files) {
    const full = join(dir, f.path);
    if (!existsSync(full)) return fail("bad_request", `${full} is missing from the backup`);
    if (sha256File(full) !== f.sha256) return fail("bad_request", `${full} does not match its checksum`);
    if (f.kind === "main" || f.kind === "history") {
      const info = inspectDatabase(full);
      if (!info.ok) return info;
      if (info.value.kind !== f.kind)
        return fail("bad_request", `${full} holds a ${info.value.kind ?? "foreign"} database, not ${f.kind}`);
    }
  }
  return ok(manifest.value);
}

/** Entries of the data dir other than the lock file. */
function dataDirEntries(dataDir: string): string[] {
  const lock = basename(dataPaths(dataDir).lock);
  return readdirSync(dataDir).filter((name) => name !== lock);
}

/**
 * `octo restore DIR`: verify the backup, then put its databases and secrets into the data dir
 * while holding the data dir's lock (so no server starts meanwhile, and none may be running).
 * A data dir that already holds data is refused unless `force`; then its databases (with their
 * -wal/-shm, which SQLite would otherwise replay onto the restored files) and secrets are replaced.
 */
export function restoreDataDir(dir: string, target: RestoreTarget): Result<RestoreReport> {
  const verified = verifyBackup(dir);
  if (!verified.ok) return verified;
  const manifest = verified.value;

  mkdirSync(target.dataDir, { recursive: true, mode: 0o700 });
  const lock = lockDataDir(target.dataDir);
  if (!lock.ok) return fail(lock.error.code, `${lock.error.message}; a restore needs the server stopped`);
  try {
    const existing = dataDirEntries(target.dataDir);
    if (existing.length > 0 && !target.force)
      return fail(
        "not_empty",
        `the data dir ${target.dataDir} already holds data (${existing.slice(0, 4).join(", ")}${existing.length > 4 ? ", …" : ""}); restore into an empty one, or pass --force to replace its databases and secrets`,
      );
    const paths = dataPaths(target.dataDir);
    if (target.force) {
      for (const suffix of ["", "-wal", "-shm", "-journal"]) rmSync(`${paths.db}${suffix}`, { force: true });
      rmSync(paths.jwtSecret, { force: true });
      rmSync(paths.vapidKeys, { force: true });
      rmSync(paths.usersDir, { recursive: true, force: true });
    }
    const owner = serviceOwner(target.dataDir);
    const written: string[] = [];
    const place = (from: string, to: string) => {
      mkdirSync(dirname(to), { recursive: true, mode: 0o700 });
      const tmp = `${to}.restoring`;
      copyFileSync(from, tmp);
      chmodSync(tmp, 0o600);
      renameSync(tmp, to);
      written.push(to);
    };
    let users = 0;
    let config: RestoreReport["config"] = "none";
    for (const f of manifest.files) {
      const from = join(dir, f.path);
      if (f.kind === "config") {
        config = restoreConfig(from, target);
        continue;
      }
      place(from, join(target.dataDir, f.path));
      if (f.kind === "history") {
        users++;
        written.push(dirname(join(target.dataDir, f.path)));
      }
    }
    if (users > 0) written.push(paths.usersDir);
    if (owner) for (const path of written) chownSync(path, owner.uid, owner.gid);
    return ok({ manifest, users, config });
  } finally {
    lock.value.release();
  }
}

/** The config goes where the target reads it, unless a different one is already there (kept). */
function restoreConfig(from: string, target: RestoreTarget): RestoreReport["config"] {
  const text = readFileSync(from);
  if (existsSync(target.configFile)) {
    if (readFileSync(target.configFile).equals(text)) return "unchanged";
    if (!target.force) return "kept-existing";
  }
  mkdirSync(dirname(target.configFile), { recursive: true, mode: 0o700 });
  copyFileSync(from, target.configFile);
  chmodSync(target.configFile, 0o600);
  return "restored";
}

/**
 * Run as root into an installed data dir (owned by the `octo` user), the restored files must be
 * the service's, not root's, or it cannot open them.
 */
function serviceOwner(dataDir: string): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const st = statSync(dataDir);
  return st.uid === 0 ? undefined : { uid: st.uid, gid: st.gid };
}

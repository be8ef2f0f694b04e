import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import * as v from "valibot";

/**
 * `manifest.json` of a backup folder: what is in it and each file's SHA-256, so a restore can
 * refuse a truncated or altered copy before it touches a data dir.
 */

export const MANIFEST_FILE = "manifest.json";
export const BACKUP_FORMAT = "octo-backup";

/** The only paths a backup may hold, relative to the backup folder (and, but for config, the data dir). */
const SAFE_PATH = /^(octo\.db|jwt\.secret|vapid\.json|config\.toml|users\/[A-Za-z0-9_-]{1,64}\/history\.db)$/;

const FileEntry = v.strictObject({
  path: v.pipe(
    v.string(),
    v.regex(
      SAFE_PATH,
      "a backup file path (octo.db, jwt.secret, vapid.json, config.toml, users/ID/history.db)",
    ),
  ),
  kind: v.picklist(["main", "history", "secret", "config"]),
  bytes: v.pipe(v.number(), v.integer(), v.minValue(0)),
  sha256: v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/)),
});
export type BackupFile = v.InferOutput<typeof FileEntry>;

export const ManifestSchema = v.strictObject({
  format: v.literal(BACKUP_FORMAT),
  format_version: v.literal(1),
  octo_version: v.string(),
  created_at: v.string(),
  source: v.strictObject({ data_dir: v.string(), config_file: v.nullable(v.string()) }),
  files: v.array(FileEntry),
});
export type Manifest = v.InferOutput<typeof ManifestSchema>;

export function sha256File(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

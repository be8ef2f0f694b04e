import { Database } from "bun:sqlite";
import { chmodSync, existsSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { fail, ok, type Result } from "../protocol/errors.ts";

/** A numbered, append-only schema step. Never edit one that has shipped: add the next number. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export interface OpenOptions {
  /** Which schema family this file holds (recorded, so a history DB is never opened as the main DB). */
  kind: string;
  migrations: readonly Migration[];
  readonly?: boolean;
}

/**
 * Open (creating if needed) a SQLite file in WAL mode and bring it to the newest schema we know.
 * A database written by a newer octo is refused rather than guessed at.
 */
export function openDatabase(path: string, opts: OpenOptions): Result<Database> {
  if (path !== ":memory:") {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  }
  const isNew = path === ":memory:" || !existsSync(path);
  let db: Database;
  try {
    db = new Database(path, { create: true, strict: true });
  } catch (e) {
    return fail("internal", `cannot open database ${path}: ${(e as Error).message}`);
  }
  if (isNew && path !== ":memory:") chmodSync(path, 0o600);
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA foreign_keys = ON");
  db.exec("PRAGMA busy_timeout = 5000");
  db.exec("PRAGMA synchronous = NORMAL");
  const migrated = migrate(db, path, opts);
  if (!migrated.ok) {
    db.close();
    return migrated;
  }
  return ok(db);
}

export function schemaVersion(db: Database): number {
  const row = db.query<{ user_version: number }, []>("PRAGMA user_version").get();
  return row?.user_version ?? 0;
}

function migrate(db: Database, path: string, opts: OpenOptions): Result<number> {
  const known = [...opts.migrations].sort((a, b) => a.version - b.version);
  known.forEach((m, i) => {
    if (m.version !== i + 1)
      throw new Error(`migrations for ${opts.kind} must be numbered 1..n without gaps`);
  });
  const latest = known.length;
  db.exec("CREATE TABLE IF NOT EXISTS octo_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
  const kindRow = db
    .query<{ value: string }, [string]>("SELECT value FROM octo_meta WHERE key = ?")
    .get("kind");
  if (kindRow && kindRow.value !== opts.kind) {
    return fail("conflict", `${path} holds a ${kindRow.value} database, not ${opts.kind}`);
  }
  const current = schemaVersion(db);
  if (current > latest) {
    return fail(
      "conflict",
      `${path} has schema version ${current}, newer than this octo knows (${latest}). Upgrade octo, or restore a backup made by this version.`,
    );
  }
  for (const m of known.slice(current)) {
    db.transaction(() => {
      db.exec(m.sql);
      db.exec(`PRAGMA user_version = ${m.version}`);
      db.query("INSERT OR REPLACE INTO octo_meta (key, value) VALUES ('kind', ?)").run(opts.kind);
      db.query("INSERT OR REPLACE INTO octo_meta (key, value) VALUES (?, ?)").run(
        `migration.${m.version}`,
        `${m.name} ${new Date().toISOString()}`,
      );
    })();
  }
  return ok(latest);
}

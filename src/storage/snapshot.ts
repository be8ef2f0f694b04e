import { Database } from "bun:sqlite";
import { chmodSync, existsSync } from "node:fs";
import { fail, ok, type Result } from "../protocol/errors.ts";

export interface SnapshotInfo {
  /** `main` or `history` (from `octo_meta`), null for a file octo did not create. */
  kind: string | null;
  schema: number;
}

/**
 * A consistent copy of a live SQLite database: `VACUUM INTO` runs as one read transaction, so under
 * WAL it sees a single committed state while the server keeps writing, and the copy is compact and
 * self-contained (no -wal to carry). The copy gets mode 0600. `dest` must not exist.
 */
export function snapshotDatabase(src: string, dest: string): Result<SnapshotInfo> {
  if (existsSync(dest)) return fail("already_exists", `${dest} already exists`);
  if (!existsSync(src)) return fail("not_found", `${src} does not exist`);
  let db: Database;
  try {
    // Read-write on purpose, though nothing is written: a read-only handle on a WAL database whose
    // server is down leaves a -wal and -shm behind, owned by whoever ran the backup (root, say).
    db = new Database(src, { strict: true });
  } catch (e) {
    return fail("internal", `cannot open ${src}: ${(e as Error).message}`);
  }
  try {
    db.exec("PRAGMA busy_timeout = 5000");
    db.query("VACUUM INTO ?").run(dest);
    chmodSync(dest, 0o600);
    return ok(describe(db));
  } catch (e) {
    return fail("internal", `cannot copy ${src}: ${(e as Error).message}`);
  } finally {
    db.close();
  }
}

function describe(db: Database): SnapshotInfo {
  const meta = db
    .query<{ n: number }, []>(
      "SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'octo_meta'",
    )
    .get();
  const kind = meta?.n
    ? (db.query<{ value: string }, []>("SELECT value FROM octo_meta WHERE key = 'kind'").get()?.value ?? null)
    : null;
  const schema = db.query<{ user_version: number }, []>("PRAGMA user_version").get()?.user_version ?? 0;
  return { kind, schema };
}

/** Kind and schema of a database file, after SQLite's own `quick_check` of it. */
export function inspectDatabase(file: string): Result<SnapshotInfo> {
  let db: Database;
  try {
    db = new Database(file, { readonly: true, strict: true });
  } catch (e) {
    return fail("bad_request", `cannot open ${file}: ${(e as Error).message}`);
  }
  try {
    const check = db.query<{ quick_check: string }, []>("PRAGMA quick_check").get()?.quick_check;
    if (check !== "ok") return fail("bad_request", `${file} is damaged: ${check}`);
    return ok(describe(db));
  } catch (e) {
    return fail("bad_request", `${file} is not a database octo can read: ${(e as Error).message}`);
  } finally {
    db.close();
  }
}

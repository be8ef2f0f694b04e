import { Database } from "bun:sqlite";
import { afterEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase, schemaVersion } from "./db.ts";
import { openMainDb } from "./main-db.ts";
import { MAIN_MIGRATIONS } from "./migrations/index.ts";

const dirs: string[] = [];
const tempDb = () => {
  const dir = mkdtempSync(join(tmpdir(), "octo-db-"));
  dirs.push(dir);
  return join(dir, "octo.db");
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

test("a new main database reaches the newest schema in WAL mode", () => {
  const r = openMainDb(tempDb());
  if (!r.ok) throw new Error(r.error.message);
  expect(schemaVersion(r.value)).toBe(MAIN_MIGRATIONS.length);
  expect(r.value.query<{ journal_mode: string }, []>("PRAGMA journal_mode").get()?.journal_mode).toBe("wal");
  r.value.close();
});

test("reopening is idempotent and keeps data", () => {
  const path = tempDb();
  const first = openMainDb(path);
  if (!first.ok) throw new Error(first.error.message);
  first.value
    .query(
      "INSERT INTO users (id, username, password_hash, role, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
    )
    .run("usr_1", "alice", "x", "user", 1, 1);
  first.value.close();
  const second = openMainDb(path);
  if (!second.ok) throw new Error(second.error.message);
  expect(second.value.query("SELECT username FROM users").all()).toEqual([{ username: "alice" }]);
  second.value.close();
});

test("a database newer than the binary is refused with a clear message", () => {
  const path = tempDb();
  const r = openMainDb(path);
  if (!r.ok) throw new Error(r.error.message);
  r.value.exec(`PRAGMA user_version = ${MAIN_MIGRATIONS.length + 5}`);
  r.value.close();
  const again = openMainDb(path);
  expect(again.ok).toBe(false);
  if (!again.ok) {
    expect(again.error.code).toBe("conflict");
    expect(again.error.message).toContain("newer than this octo knows");
  }
});

test("a database of another kind is refused", () => {
  const path = tempDb();
  const other = openDatabase(path, {
    kind: "history",
    migrations: [{ version: 1, name: "x", sql: "CREATE TABLE t (a)" }],
  });
  if (!other.ok) throw new Error(other.error.message);
  other.value.close();
  const r = openMainDb(path);
  expect(r.ok).toBe(false);
  if (!r.ok) expect(r.error.message).toContain("holds a history database");
});

test("a failing migration leaves the previous version intact", () => {
  const path = tempDb();
  const good = { version: 1, name: "a", sql: "CREATE TABLE a (x)" };
  const bad = { version: 2, name: "b", sql: "CREATE TABLE b (x); THIS IS NOT SQL" };
  expect(() => openDatabase(path, { kind: "t", migrations: [good, bad] })).toThrow();
  const db = new Database(path);
  expect(schemaVersion(db)).toBe(1);
  db.close();
});

import { Database } from "bun:sqlite";
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { snapshotDatabase } from "./snapshot.ts";

const dir = mkdtempSync(join(tmpdir(), "octo-snapshot-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Another process commits pairs (n, -n) in one transaction each, as fast as it can. */
const WRITER = `
const { Database } = require("bun:sqlite");
const db = new Database(process.argv[1]);
db.exec("PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000; CREATE TABLE IF NOT EXISTS t (x INTEGER)");
const pair = db.transaction((n) => { db.query("INSERT INTO t VALUES (?)").run(n); db.query("INSERT INTO t VALUES (?)").run(-n); });
for (let n = 1; ; n++) { pair(n); if (n === 100) console.log("writing"); }
`;

test("a snapshot taken while another process writes is one committed state, intact, mode 0600", async () => {
  const src = join(dir, "live.db");
  const writer = Bun.spawn([process.execPath, "-e", WRITER, src], { stdout: "pipe", stderr: "inherit" });
  try {
    const reader = writer.stdout.getReader();
    let seen = "";
    while (!seen.includes("writing")) {
      const chunk = await reader.read();
      if (chunk.done) throw new Error("the writer exited before writing");
      seen += new TextDecoder().decode(chunk.value);
    }
    for (let i = 0; i < 5; i++) {
      const copy = join(dir, `copy-${i}.db`);
      const r = snapshotDatabase(src, copy);
      expect(r.ok).toBe(true);
      expect(statSync(copy).mode & 0o777).toBe(0o600);
      const db = new Database(copy, { readonly: true });
      const row = db
        .query<{ n: number; sum: number }, []>("SELECT count(*) AS n, sum(x) AS sum FROM t")
        .get();
      const check = db.query<{ quick_check: string }, []>("PRAGMA quick_check").get();
      const mode = db.query<{ journal_mode: string }, []>("PRAGMA journal_mode").get();
      db.close();
      expect(check?.quick_check).toBe("ok");
      expect(row?.n).toBeGreaterThanOrEqual(200);
      expect((row?.n ?? 1) % 2).toBe(0); // whole pairs only
      expect(row?.sum).toBe(0);
      expect(mode?.journal_mode).toBe("delete"); // self-contained: no -wal to carry
    }
  } finally {
    writer.kill();
    await writer.exited;
  }
});

test("an existing target is refused, not overwritten", () => {
  const src = join(dir, "small.db");
  new Database(src, { create: true }).close();
  const r = snapshotDatabase(src, src);
  expect(r.ok).toBe(false);
  if (!r.ok) expect(r.error.code).toBe("already_exists");
});

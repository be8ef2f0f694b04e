import { afterEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HistoryStore } from "../../history/store.ts";
import { openDatabase, schemaVersion } from "../db.ts";
import { h001 } from "./migrations/001_events_messages.ts";
import { HISTORY_MIGRATIONS } from "./migrations/index.ts";
import { historyRepo, openHistoryDb } from "./repo.ts";

const dirs: string[] = [];
const tempDb = () => {
  const dir = mkdtempSync(join(tmpdir(), "octo-history-db-"));
  dirs.push(dir);
  return join(dir, "history.db");
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

test("a new history database reaches the newest schema and is marked as history", () => {
  const r = openHistoryDb(tempDb());
  if (!r.ok) throw new Error(r.error.message);
  expect(schemaVersion(r.value)).toBe(HISTORY_MIGRATIONS.length);
  const kind = r.value.query<{ value: string }, []>("SELECT value FROM octo_meta WHERE key = 'kind'").get();
  expect(kind?.value).toBe("history");
  r.value.close();
});

test("a history database from before the runner watermark (schema 1) opens, migrates and keeps its events", () => {
  const path = tempDb();
  // What an octo of that time left on disk: schema 1, one session with two events and a message.
  const old = openDatabase(path, { kind: "history", migrations: [h001] });
  if (!old.ok) throw new Error(old.error.message);
  const ins = old.value.query("INSERT INTO events (session_id, seq, ts, type, body) VALUES (?, ?, ?, ?, ?)");
  ins.run("ses_old", 1, 10, "stream.text_delta", '{"event":"stream.text_delta","delta":"a"}');
  ins.run("ses_old", 2, 11, "stream.text_delta", '{"event":"stream.text_delta","delta":"b"}');
  old.value
    .query(
      `INSERT INTO messages (id, session_id, project_id, role, created_at, seq, text, body)
       VALUES ('msg_old', 'ses_old', 'prj_old', 'user', 9, 2, 'pelican words', '{"id":"msg_old"}')`,
    )
    .run();
  expect(schemaVersion(old.value)).toBe(1);
  old.value.close();

  const opened = HistoryStore.open(path);
  if (!opened.ok) throw new Error(opened.error.message);
  const store = opened.value;
  expect(store.replay("ses_old", 0).map((e) => e.seq)).toEqual([1, 2]);
  const hits = store.search("pelican");
  expect(hits.ok && hits.value.map((h) => h.message_id)).toEqual(["msg_old"]);
  expect(store.source("ses_old")).toBeNull();
  const next = store.append({ id: "ses_old", project_id: "prj_old" }, [{ event: "agent.idle" }], 12, {
    proc: "prc_new",
    seq: 4,
  });
  expect(next.map((e) => e.seq)).toEqual([3]);
  expect(store.source("ses_old")).toEqual({ proc: "prc_new", seq: 4 });
  store.close();

  const check = openHistoryDb(path);
  if (!check.ok) throw new Error(check.error.message);
  expect(schemaVersion(check.value)).toBe(HISTORY_MIGRATIONS.length);
  check.value.close();
});

test("deleting a session removes it from every table, in one go", () => {
  const r = openHistoryDb(tempDb());
  if (!r.ok) throw new Error(r.error.message);
  const repo = historyRepo(r.value);
  repo.insertEvent("ses_a", { seq: 1, ts: 1, type: "agent.idle", body: "{}" });
  repo.insertEvent("ses_b", { seq: 1, ts: 1, type: "agent.idle", body: "{}" });
  repo.claimClientId("ses_a", "c1", "prompt", 1);
  repo.putSource("ses_a", { proc: "prc_1", seq: 1 });
  repo.deleteSession("ses_a");
  expect(repo.maxSeq("ses_a")).toBe(0);
  expect(repo.source("ses_a")).toBeNull();
  expect(repo.claimClientId("ses_a", "c1", "prompt", 2)).toBe(true);
  expect(repo.maxSeq("ses_b")).toBe(1);
  repo.close();
});

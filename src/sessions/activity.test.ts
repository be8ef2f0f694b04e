import type { Database } from "bun:sqlite";
import { beforeEach, expect, test } from "bun:test";
import { openMainDb } from "../storage/main-db.ts";
import { projectsRepo } from "../storage/projects.ts";
import { type SessionsRepo, sessionsRepo } from "../storage/sessions.ts";
import { usersRepo } from "../storage/users.ts";
import { ACTIVITY_WRITE_INTERVAL_MS, ActivityLog } from "./activity.ts";
import { newSessionRow } from "./new-row.ts";

let db: Database;
let repo: SessionsRepo;
let clock: number;
let writes: number;
let activity: ActivityLog;
let sessionId: string;

beforeEach(() => {
  const opened = openMainDb(":memory:");
  if (!opened.ok) throw new Error(opened.error.message);
  db = opened.value;
  repo = sessionsRepo(db);
  clock = 1_000_000;
  writes = 0;
  usersRepo(db).insert({
    id: "usr_a",
    username: "alice",
    password_hash: "x",
    role: "user",
    linux_user: null,
    created_at: 0,
    updated_at: 0,
  });
  projectsRepo(db).insert({
    id: "prj_a",
    user_id: "usr_a",
    name: "A",
    slug: "a",
    profile: "default",
    default_model: null,
    template: null,
    created_at: 0,
    updated_at: 0,
    last_activity_at: 0,
  });
  const row = newSessionRow(
    { user_id: "usr_a", project_id: "prj_a", title: "", model: null, profile: "default", parent_id: null },
    0,
  );
  repo.insert(row);
  sessionId = row.id;
  // The same write the session service makes, counted.
  activity = new ActivityLog(
    (id, at) => {
      writes++;
      repo.update(id, { last_active_at: at }, clock);
    },
    () => clock,
  );
});

const stored = () => repo.byId(sessionId)?.last_active_at;

test("a burst of event batches writes last_active_at once per interval, not once per batch", () => {
  // 200 batches over 9.95 s of a streamed answer: one write at the start, one after 5 s.
  for (let i = 0; i < 200; i++) {
    activity.touch(sessionId);
    clock += 50;
  }
  expect(writes).toBe(2);
  expect(stored()).toBe(1_000_000 + ACTIVITY_WRITE_INTERVAL_MS);
  // What the reaper sees is always current.
  expect(activity.latest(sessionId)).toBe(clock - 50);
});

test("flush (close, stop) stores the last activity, once", () => {
  activity.touch(sessionId);
  clock += 1200;
  activity.touch(sessionId);
  clock += 800;
  activity.touch(sessionId);
  expect(stored()).toBe(1_000_000);
  activity.flushAll();
  expect(stored()).toBe(1_002_000);
  activity.flushAll();
  activity.flush(sessionId);
  expect(writes).toBe(2);
});

test("after a quiet interval the next activity is written at once", () => {
  activity.touch(sessionId);
  clock += ACTIVITY_WRITE_INTERVAL_MS;
  activity.touch(sessionId);
  expect(writes).toBe(2);
  expect(stored()).toBe(clock);
});

test("when an agent stops, its last activity is written and the next one is written at once", () => {
  activity.touch(sessionId);
  clock += 10;
  activity.touch(sessionId);
  activity.end(sessionId);
  expect(writes).toBe(2);
  expect(stored()).toBe(1_000_010);
  expect(activity.latest(sessionId)).toBeUndefined();
  activity.flushAll();
  clock += 10;
  activity.touch(sessionId);
  expect(writes).toBe(3);
  expect(stored()).toBe(1_000_020);
});

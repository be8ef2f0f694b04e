import type { Migration } from "../db.ts";

/**
 * Memories (FTS5, bm25) and the task tracker. Every change names who made it: `*_kind` is
 * `person` (a user id) or `session` (a session id). Also the tool-call log that makes those
 * areas' calls safe to deliver twice (decision 0010).
 */
export const m007: Migration = {
  version: 7,
  name: "memory and tasks",
  sql: `
CREATE TABLE memories (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  project_id TEXT REFERENCES projects(id) ON DELETE CASCADE,
  text TEXT NOT NULL,
  tags TEXT NOT NULL DEFAULT '',
  pinned INTEGER NOT NULL DEFAULT 0,
  source_kind TEXT NOT NULL,
  source_id TEXT NOT NULL,
  source_message TEXT,
  updated_by_kind TEXT NOT NULL,
  updated_by_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX memories_scope ON memories(user_id, project_id);
CREATE VIRTUAL TABLE memories_fts USING fts5(
  text, tags, content='memories', content_rowid='seq', tokenize='porter unicode61'
);
CREATE TRIGGER memories_ai AFTER INSERT ON memories BEGIN
  INSERT INTO memories_fts(rowid, text, tags) VALUES (new.seq, new.text, new.tags);
END;
CREATE TRIGGER memories_ad AFTER DELETE ON memories BEGIN
  INSERT INTO memories_fts(memories_fts, rowid, text, tags) VALUES ('delete', old.seq, old.text, old.tags);
END;
CREATE TRIGGER memories_au AFTER UPDATE OF text, tags ON memories BEGIN
  INSERT INTO memories_fts(memories_fts, rowid, text, tags) VALUES ('delete', old.seq, old.text, old.tags);
  INSERT INTO memories_fts(rowid, text, tags) VALUES (new.seq, new.text, new.tags);
END;
CREATE TABLE memory_changes (
  seq INTEGER PRIMARY KEY,
  memory_id TEXT NOT NULL,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  action TEXT NOT NULL,
  actor_kind TEXT NOT NULL,
  actor_id TEXT NOT NULL,
  at INTEGER NOT NULL
);

CREATE TABLE tasks (
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  num INTEGER NOT NULL,
  title TEXT NOT NULL,
  body TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL,
  priority TEXT NOT NULL,
  labels TEXT NOT NULL DEFAULT '[]',
  assignee TEXT,
  parent INTEGER,
  links TEXT NOT NULL DEFAULT '[]',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (project_id, num)
);
CREATE TABLE task_deps (
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  num INTEGER NOT NULL,
  depends_on INTEGER NOT NULL,
  PRIMARY KEY (project_id, num, depends_on)
);
CREATE TABLE task_events (
  seq INTEGER PRIMARY KEY,
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  num INTEGER NOT NULL,
  kind TEXT NOT NULL,
  changes TEXT NOT NULL DEFAULT '{}',
  comment TEXT,
  actor_kind TEXT NOT NULL,
  actor_id TEXT NOT NULL,
  at INTEGER NOT NULL
);
CREATE INDEX task_events_task ON task_events(project_id, num, seq);

-- Answers of tool calls with side effects, by (session, call key): a call the runner sends again
-- (its connection dropped before the answer) gets the first answer instead of acting twice.
CREATE TABLE tool_calls (
  session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  call_key TEXT NOT NULL,
  result TEXT NOT NULL,
  at INTEGER NOT NULL,
  PRIMARY KEY (session_id, call_key)
);
CREATE INDEX tool_calls_at ON tool_calls(at);
`,
};

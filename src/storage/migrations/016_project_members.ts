import type { Migration } from "../db.ts";

/**
 * Shared projects (decision 0030). `project_members`: who besides the owner may use a project, as
 * `viewer` (read conversations and files) or `editor` (also chat and edit files); `terminal` (0/1)
 * is a separate grant for a shell in the owner's sandbox. `sessions.created_by`: the person who
 * started a conversation when it is not the project's owner (NULL: the owner; the row's `user_id`
 * stays the owner's, whose runner and history store hold it). `project_file_changes`: who changed
 * which file of a shared project through the Files API.
 */
export const m016: Migration = {
  version: 16,
  name: "project members",
  sql: `
CREATE TABLE project_members (
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  role TEXT NOT NULL CHECK (role IN ('viewer', 'editor')),
  terminal INTEGER NOT NULL DEFAULT 0 CHECK (terminal IN (0, 1)),
  added_by TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (project_id, user_id)
);
CREATE INDEX project_members_user ON project_members(user_id);
ALTER TABLE sessions ADD COLUMN created_by TEXT REFERENCES users(id) ON DELETE SET NULL;
CREATE TABLE project_file_changes (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  user_id TEXT NOT NULL,
  op TEXT NOT NULL,
  path TEXT NOT NULL,
  at INTEGER NOT NULL
);
CREATE INDEX project_file_changes_project ON project_file_changes(project_id, at);
`,
};

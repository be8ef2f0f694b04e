import type { Migration } from "../db.ts";

/**
 * Canvas artifacts per project and their revisions. An artifact is keyed by its source path in the
 * project (a later publish of the same path is its next revision); each revision keeps its bytes
 * (at most 5 MiB) and who published it: `*_kind` is `person` (a user id) or `session` (a session id).
 */
export const m013: Migration = {
  version: 13,
  name: "canvas",
  sql: `
CREATE TABLE canvas_artifacts (
  id TEXT PRIMARY KEY,
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  path TEXT NOT NULL,
  title TEXT NOT NULL,
  current INTEGER NOT NULL,
  created_by_kind TEXT NOT NULL,
  created_by_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (project_id, path)
);
CREATE INDEX canvas_artifacts_project ON canvas_artifacts(project_id, updated_at);
CREATE TABLE canvas_revisions (
  artifact_id TEXT NOT NULL REFERENCES canvas_artifacts(id) ON DELETE CASCADE,
  revision INTEGER NOT NULL,
  kind TEXT NOT NULL,
  mime TEXT NOT NULL,
  title TEXT NOT NULL,
  size INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  content BLOB NOT NULL,
  by_kind TEXT NOT NULL,
  by_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (artifact_id, revision)
);
`,
};

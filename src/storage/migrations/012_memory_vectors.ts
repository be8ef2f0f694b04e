import type { Migration } from "../db.ts";

/**
 * Memory vectors for hybrid search (decision 0019): one Float32 BLOB per memory and embedding
 * model, scanned per query. An edit of text or tags drops the vector, so the background embedder
 * makes a fresh one. Also each project's opt-in to "used N memories" on a conversation's first prompt.
 */
export const m012: Migration = {
  version: 12,
  name: "memory vectors, project memory context",
  sql: `
CREATE TABLE memory_vectors (
  memory_seq INTEGER PRIMARY KEY REFERENCES memories(seq) ON DELETE CASCADE,
  model TEXT NOT NULL,
  dims INTEGER NOT NULL,
  vec BLOB NOT NULL,
  at INTEGER NOT NULL
);
CREATE INDEX memory_vectors_model ON memory_vectors(model);
CREATE TRIGGER memories_vec_au AFTER UPDATE OF text, tags ON memories BEGIN
  DELETE FROM memory_vectors WHERE memory_seq = old.seq;
END;
CREATE TRIGGER memories_vec_ad AFTER DELETE ON memories BEGIN
  DELETE FROM memory_vectors WHERE memory_seq = old.seq;
END;
ALTER TABLE projects ADD COLUMN use_memories INTEGER NOT NULL DEFAULT 0;
`,
};

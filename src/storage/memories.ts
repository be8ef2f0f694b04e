import type { Database } from "bun:sqlite";

/** SQL for memories and their FTS5 index (kept in step by triggers, migration 006). */

export interface MemoryRow {
  seq: number;
  id: string;
  user_id: string;
  project_id: string | null;
  text: string;
  /** Space-separated, lowercase. */
  tags: string;
  pinned: number;
  source_kind: "person" | "session";
  source_id: string;
  source_message: string | null;
  updated_by_kind: "person" | "session";
  updated_by_id: string;
  created_at: number;
  updated_at: number;
}

export type NewMemoryRow = Omit<MemoryRow, "seq">;

/** What a user sees from one project: its memories and the user's own. */
const IN_SCOPE = "m.user_id = $user AND (m.project_id = $project OR m.project_id IS NULL)";

export const memoriesRepo = (db: Database) => ({
  insert(row: NewMemoryRow): void {
    db.query(
      `INSERT INTO memories (id, user_id, project_id, text, tags, pinned, source_kind, source_id,
         source_message, updated_by_kind, updated_by_id, created_at, updated_at)
       VALUES ($id, $user_id, $project_id, $text, $tags, $pinned, $source_kind, $source_id,
         $source_message, $updated_by_kind, $updated_by_id, $created_at, $updated_at)`,
    ).run({ ...row });
  },
  /** A memory this user may see from this project (its own project's, or their user memory). */
  inScope(userId: string, projectId: string, id: string): MemoryRow | null {
    return db
      .query<MemoryRow, Record<string, string>>(`SELECT * FROM memories m WHERE m.id = $id AND ${IN_SCOPE}`)
      .get({ id, user: userId, project: projectId });
  },
  /** Rows by their seq (the order given is not kept). */
  bySeqs(seqs: number[]): MemoryRow[] {
    if (seqs.length === 0) return [];
    return db
      .query<MemoryRow, number[]>(`SELECT * FROM memories WHERE seq IN (${seqs.map(() => "?").join(",")})`)
      .all(...seqs);
  },
  list(userId: string, projectId: string, limit: number, tag?: string): MemoryRow[] {
    const byTag = tag ? "AND (' ' || m.tags || ' ') LIKE $tag" : "";
    return db
      .query<MemoryRow, Record<string, string | number>>(
        `SELECT * FROM memories m WHERE ${IN_SCOPE} ${byTag}
         ORDER BY m.pinned DESC, m.updated_at DESC, m.seq DESC LIMIT $limit`,
      )
      .all({ user: userId, project: projectId, limit, ...(tag ? { tag: `% ${tag} %` } : {}) });
  },
  /** For each of `seqs`, how many of `terms` (plain words) its text or tags match (FTS5, stemmed). */
  termMatches(seqs: number[], terms: string[]): Map<number, number> {
    const counts = new Map<number, number>();
    if (seqs.length === 0) return counts;
    const inSeqs = seqs.map(() => "?").join(",");
    const q = db.query<{ seq: number }, (string | number)[]>(
      `SELECT rowid AS seq FROM memories_fts WHERE memories_fts MATCH ? AND rowid IN (${inSeqs})`,
    );
    for (const term of terms)
      for (const { seq } of q.all(`"${term.replaceAll('"', "")}"`, ...seqs))
        counts.set(seq, (counts.get(seq) ?? 0) + 1);
    return counts;
  },
  /** bm25-ranked matches of an FTS5 query (already built from the user's words). */
  search(userId: string, projectId: string, ftsQuery: string, limit: number, tag?: string): MemoryRow[] {
    const byTag = tag ? "AND (' ' || m.tags || ' ') LIKE $tag" : "";
    return db
      .query<MemoryRow, Record<string, string | number>>(
        `SELECT m.* FROM memories_fts f JOIN memories m ON m.seq = f.rowid
         WHERE memories_fts MATCH $q AND ${IN_SCOPE} ${byTag}
         ORDER BY bm25(memories_fts, 1.0, 0.6) LIMIT $limit`,
      )
      .all({ q: ftsQuery, user: userId, project: projectId, limit, ...(tag ? { tag: `% ${tag} %` } : {}) });
  },
  update(
    id: string,
    fields: Partial<Pick<MemoryRow, "text" | "tags" | "pinned">>,
    by: { kind: string; id: string },
    now: number,
  ): void {
    const sets = Object.keys(fields).map((k) => `${k} = $${k}`);
    db.query(
      `UPDATE memories SET ${[...sets, "updated_by_kind = $by_kind", "updated_by_id = $by_id", "updated_at = $now"].join(", ")}
       WHERE id = $id`,
    ).run({ ...fields, by_kind: by.kind, by_id: by.id, now, id });
  },
  remove(id: string): void {
    db.query("DELETE FROM memories WHERE id = ?").run(id);
  },
  logChange(change: {
    memory_id: string;
    user_id: string;
    action: string;
    actor_kind: string;
    actor_id: string;
    at: number;
  }): void {
    db.query(
      `INSERT INTO memory_changes (memory_id, user_id, action, actor_kind, actor_id, at)
       VALUES ($memory_id, $user_id, $action, $actor_kind, $actor_id, $at)`,
    ).run({ ...change });
  },
  changes(memoryId: string): { action: string; actor_kind: string; actor_id: string; at: number }[] {
    return db
      .query<{ action: string; actor_kind: string; actor_id: string; at: number }, [string]>(
        "SELECT action, actor_kind, actor_id, at FROM memory_changes WHERE memory_id = ? ORDER BY seq",
      )
      .all(memoryId);
  },
});

import type { Database } from "bun:sqlite";

/** SQL for memory vectors (migration 009): Float32 BLOBs per memory and embedding model. */

export interface PendingMemory {
  seq: number;
  user_id: string;
  project_id: string | null;
  text: string;
  tags: string;
  updated_at: number;
}

export interface StoredVector {
  seq: number;
  vec: Uint8Array;
}

const IN_SCOPE = "m.user_id = $user AND (m.project_id = $project OR m.project_id IS NULL)";

export const memoryVectorsRepo = (db: Database) => ({
  /** Memories with no vector of `model` yet, oldest first. */
  pending(model: string, limit: number): PendingMemory[] {
    return db
      .query<PendingMemory, Record<string, string | number>>(
        `SELECT m.seq, m.user_id, m.project_id, m.text, m.tags, m.updated_at FROM memories m
         LEFT JOIN memory_vectors v ON v.memory_seq = m.seq AND v.model = $model
         WHERE v.memory_seq IS NULL ORDER BY m.seq LIMIT $limit`,
      )
      .all({ model, limit });
  },
  /** Stored only if the memory is still the version that was embedded (an edit meanwhile wins). */
  store(seq: number, updatedAt: number, model: string, vec: Float32Array, at: number): boolean {
    const bytes = new Uint8Array(vec.buffer, vec.byteOffset, vec.byteLength);
    return (
      db
        .query(
          `INSERT OR REPLACE INTO memory_vectors (memory_seq, model, dims, vec, at)
           SELECT seq, $model, $dims, $vec, $at FROM memories WHERE seq = $seq AND updated_at = $updated`,
        )
        .run({ seq, updated: updatedAt, model, dims: vec.length, vec: bytes, at }).changes > 0
    );
  },
  counts(model: string): { total: number; embedded: number } {
    const total = db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM memories").get()?.n ?? 0;
    const embedded =
      db.query<{ n: number }, [string]>("SELECT COUNT(*) AS n FROM memory_vectors WHERE model = ?").get(model)
        ?.n ?? 0;
    return { total, embedded };
  },
  /** Every vector of `model` a user sees from a project (the table scan of decision 0019). */
  inScope(userId: string, projectId: string, model: string, tag?: string): StoredVector[] {
    const byTag = tag ? "AND (' ' || m.tags || ' ') LIKE $tag" : "";
    return db
      .query<StoredVector, Record<string, string>>(
        `SELECT m.seq AS seq, v.vec AS vec FROM memory_vectors v JOIN memories m ON m.seq = v.memory_seq
         WHERE v.model = $model AND ${IN_SCOPE} ${byTag}`,
      )
      .all({ model, user: userId, project: projectId, ...(tag ? { tag: `% ${tag} %` } : {}) });
  },
});

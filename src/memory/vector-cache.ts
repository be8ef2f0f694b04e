import { vectorOf } from "./hybrid.ts";

/**
 * The vectors one scope searches, held as one normalised Float32 matrix, so that search as you type
 * reads SQLite's BLOBs once per change instead of once per keystroke (decision 0019). Entries are
 * rebuilt when `version` moves (a memory added, edited or embedded); a scope larger than the float
 * budget is never held and is scanned from SQLite each time.
 */
export interface ScopeVectors {
  seqs: number[];
  dims: number;
  /** Row i is the unit vector of seqs[i]. */
  matrix: Float32Array;
}

export class VectorCache {
  private readonly entries = new Map<string, { version: number; vectors: ScopeVectors }>();
  private floats = 0;

  constructor(private readonly budgetFloats = 40 << 20) {}

  get(key: string, version: number, load: () => { seq: number; vec: Uint8Array }[]): ScopeVectors {
    const hit = this.entries.get(key);
    if (hit && hit.version === version) return hit.vectors;
    if (hit) this.drop(key);
    const vectors = pack(load());
    const size = vectors.matrix.length;
    if (size > this.budgetFloats) return vectors;
    while (this.floats + size > this.budgetFloats && this.entries.size > 0)
      this.drop(this.entries.keys().next().value as string);
    this.entries.set(key, { version, vectors });
    this.floats += size;
    return vectors;
  }

  private drop(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    this.floats -= e.vectors.matrix.length;
    this.entries.delete(key);
  }
}

function pack(rows: { seq: number; vec: Uint8Array }[]): ScopeVectors {
  const dims = rows.length > 0 ? (rows[0] as { vec: Uint8Array }).vec.byteLength / 4 : 0;
  const kept = rows.filter((r) => r.vec.byteLength === dims * 4);
  const matrix = new Float32Array(kept.length * dims);
  kept.forEach((r, i) => {
    const v = vectorOf(r.vec);
    let n = 0;
    for (let j = 0; j < dims; j++) n += (v[j] as number) ** 2;
    const scale = n > 0 ? 1 / Math.sqrt(n) : 0;
    for (let j = 0; j < dims; j++) matrix[i * dims + j] = (v[j] as number) * scale;
  });
  return { seqs: kept.map((r) => r.seq), dims, matrix };
}

/** The `limit` rows most similar to `query` (cosine above `floor`), best first. */
export function nearestIn(vectors: ScopeVectors, query: Float32Array, limit: number, floor = 0): number[] {
  const { dims, matrix, seqs } = vectors;
  if (query.length !== dims || dims === 0) return [];
  let qn = 0;
  for (let j = 0; j < dims; j++) qn += (query[j] as number) ** 2;
  if (qn === 0) return [];
  const q = query.map((x) => x / Math.sqrt(qn));
  const topSeq: number[] = [];
  const topScore: number[] = [];
  for (let i = 0; i < seqs.length; i++) {
    let dot = 0;
    const base = i * dims;
    for (let j = 0; j < dims; j++) dot += (matrix[base + j] as number) * (q[j] as number);
    if (dot <= floor) continue;
    if (topSeq.length === limit && dot <= (topScore[limit - 1] as number)) continue;
    let at = topScore.length;
    while (at > 0 && (topScore[at - 1] as number) < dot) at--;
    topScore.splice(at, 0, dot);
    topSeq.splice(at, 0, seqs[i] as number);
    if (topSeq.length > limit) {
      topSeq.pop();
      topScore.pop();
    }
  }
  return topSeq;
}

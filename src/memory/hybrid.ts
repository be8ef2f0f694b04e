/**
 * Hybrid ranking for memory search (decision 0019): the FTS5 bm25 list and the cosine list are
 * fused by reciprocal rank fusion, so neither score scale has to be calibrated against the other.
 */

/** RRF's constant: 60 as in Cormack et al. (2009); it damps the weight of the very first ranks. */
export const RRF_K = 60;

/** seqs ranked by the sum over lists of 1 / (k + rank), best first (ties keep first-list order). */
export function reciprocalRankFusion(lists: readonly (readonly number[])[], k = RRF_K): number[] {
  const score = new Map<number, number>();
  for (const list of lists) {
    list.forEach((seq, rank) => {
      score.set(seq, (score.get(seq) ?? 0) + 1 / (k + rank + 1));
    });
  }
  return [...score.entries()].sort((a, b) => b[1] - a[1]).map(([seq]) => seq);
}

/** A stored vector (Float32 bytes, as SQLite gives the BLOB back). */
export function vectorOf(bytes: Uint8Array): Float32Array {
  // A BLOB's bytes may not be 4-aligned in their buffer: copy when they are not.
  if (bytes.byteOffset % 4 === 0)
    return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  return new Float32Array(bytes.slice().buffer);
}

export function cosine(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return 0;
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

/**
 * Memory search quality and speed: recall@5 on a small labelled set (bench/memory-recall.data.ts),
 * FTS5 alone and hybrid (FTS5 + cosine, RRF), then search latency at each size with vectors on.
 *   bun bench/memory-recall.ts [--sizes 10000,100000] [--dims 64 (0: FTS only)] [--runs 300]
 * The vectors are the LLM fixture's deterministic stand-ins (hashed trigrams), made in-process:
 * they test the plumbing and the cost of the scan, not the quality a real embedding model gives.
 */

import type { MemoryEmbedder } from "../src/memory/embedder.ts";
import { MemoryService, type Scope } from "../src/memory/service.ts";
import { memoryVectors } from "../src/memory/vectors.ts";
import { ok } from "../src/protocol/errors.ts";
import { createLogger } from "../src/shared/log.ts";
import { openMainDb } from "../src/storage/main-db.ts";
import { seedUserProject } from "../src/storage/seed.ts";
import { standInEmbedding } from "../test/fixtures/llm/embeddings.ts";
import { MEMORIES, QUERIES } from "./memory-recall.data.ts";

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};

function world(dims = 0): { memory: MemoryService; scope: Scope; embedder: MemoryEmbedder | null } {
  const opened = openMainDb(":memory:");
  if (!opened.ok) throw new Error(opened.error.message);
  const db = opened.value;
  const { userId, projectId } = seedUserProject(db, { username: "bench", name: "B", slug: "b" });
  const wired =
    dims > 0
      ? memoryVectors({
          db,
          model: () => "fx/stand-in",
          embed: async (_u, _p, texts) =>
            ok(texts.map((t) => Float32Array.from(standInEmbedding(t, "stand-in", dims)))),
          log: createLogger({ level: "error" }),
        })
      : null;
  return {
    memory: new MemoryService({ db, usernameOf: () => "bench", changed: () => {}, vectors: wired?.vectors }),
    scope: { userId, projectId },
    embedder: wired?.embedder ?? null,
  };
}

const dims = arg("dims", 64);

// ── recall@5: FTS5 alone, then hybrid ──
for (const mode of ["fts", "hybrid"] as const) {
  const { memory, scope, embedder } = world(mode === "hybrid" ? dims : 0);
  const me = { kind: "person" as const, userId: scope.userId };
  const ids = MEMORIES.map((text) => {
    const r = memory.add(scope, me, { text });
    if (!r.ok) throw new Error(r.error.message);
    return r.value.id;
  });
  await embedder?.idle();
  const hits = { words: [0, 0], paraphrase: [0, 0] } as Record<string, [number, number]>;
  const misses: string[] = [];
  for (const q of QUERIES) {
    const found = (await memory.search(scope, q.query, { limit: 5 })).map((m) => m.id);
    const counts = hits[q.kind] as [number, number];
    counts[1]++;
    if (found.includes(ids[q.answer] as string)) counts[0]++;
    else misses.push(`  miss (${q.kind}): "${q.query}" → wanted #${q.answer}`);
  }
  const total = Object.values(hits).reduce((a, [h, n]) => [a[0] + h, a[1] + n], [0, 0]);
  const pct = ([h, n]: number[]) => `${h}/${n} = ${((100 * (h as number)) / (n as number)).toFixed(0)}%`;
  const how =
    mode === "fts"
      ? "FTS5 bm25, porter stemming"
      : `hybrid: FTS5 + cosine of ${dims}-dim STAND-IN vectors, RRF`;
  console.log(`memory recall@5 (${how}), ${MEMORIES.length} memories, ${QUERIES.length} queries`);
  console.log(`  all:         ${pct(total)}`);
  console.log(`  same words:  ${pct(hits.words as number[])}`);
  console.log(`  paraphrases: ${pct(hits.paraphrase as number[])}`);
  for (const m of misses) console.log(m);
}

// ── latency at N memories, vectors on ──
const sizesArg = process.argv.indexOf("--sizes");
const sizes = (sizesArg > 0 ? String(process.argv[sizesArg + 1]) : "10000,100000").split(",").map(Number);
for (const n of sizes) {
  const runs = arg("runs", 300);
  const { memory, scope, embedder } = world(dims);
  const me = { kind: "person" as const, userId: scope.userId };
  const words =
    MEMORIES.join(" ")
      .toLowerCase()
      .match(/[a-z]{4,}/g) ?? [];
  let seed = 42;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const sentence = (k: number) =>
    Array.from({ length: k }, () => words[Math.floor(rand() * words.length)]).join(" ");
  const started = performance.now();
  for (let i = 0; i < n; i++) memory.add(scope, me, { text: sentence(12 + Math.floor(rand() * 20)) });
  const insertMs = performance.now() - started;
  const embedStarted = performance.now();
  await embedder?.idle();
  const embedMs = performance.now() - embedStarted;
  // Each distinct query is embedded once (a cache, as search-as-you-type repeats words): what is
  // timed is the FTS query, the vector scan and the fusion, not the provider's round trip.
  for (const q of QUERIES) await memory.search(scope, q.query, { limit: 5 });
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const q = QUERIES[i % QUERIES.length]?.query as string;
    const t0 = performance.now();
    await memory.search(scope, q, { limit: 5 });
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const at = (p: number) =>
    (times[Math.min(times.length - 1, Math.floor(p * times.length))] as number).toFixed(2);
  console.log(
    `${dims > 0 ? `hybrid memory search over ${n} memories with ${dims}-dim vectors` : `FTS-only memory search over ${n} memories`} (${runs} queries, limit 5): p50 ${at(0.5)} ms, p95 ${at(0.95)} ms, max ${at(1)} ms`,
  );
  console.log(
    `  (adding ${n} memories took ${(insertMs / 1000).toFixed(1)} s, ${((insertMs * 1000) / n).toFixed(0)} µs each; embedding and storing them ${(embedMs / 1000).toFixed(1)} s)`,
  );
}

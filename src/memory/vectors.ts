import type { Database } from "bun:sqlite";
import type { Logger } from "../shared/log.ts";
import { type EmbedFn, MemoryEmbedder } from "./embedder.ts";
import type { MemoryVectors } from "./service.ts";

/** Query vectors kept for search as you type (the same words asked again cost no call). */
const QUERY_CACHE = 256;
/** A search (or a first prompt) waits this long for its query's vector, then goes on with FTS alone. */
const QUERY_TIMEOUT_MS = 10_000;

/**
 * Memory search's vector side, wired to the LLM gateway: the background embedder and the query
 * embedding (with a small cache). A query that cannot be embedded (gateway down, provider failing)
 * leaves search to FTS5 alone.
 */
export function memoryVectors(deps: { db: Database; model(): string | null; embed: EmbedFn; log: Logger }): {
  vectors: MemoryVectors;
  embedder: MemoryEmbedder;
} {
  let version = 0;
  const embedder = new MemoryEmbedder({
    db: deps.db,
    model: deps.model,
    embed: deps.embed,
    log: deps.log,
    stored: () => {
      version++;
    },
  });
  const cache = new Map<string, Float32Array>();
  let lastModel: string | null = null;
  const vectors: MemoryVectors = {
    model: () => {
      const model = deps.model();
      // A new model: every memory needs its vector again (the embedder finds them by model).
      if (model !== lastModel) {
        lastModel = model;
        if (model) embedder.kick();
      }
      return model;
    },
    async embedQuery(scope, text, model) {
      const key = `${scope.userId}\n${model}\n${text}`;
      const hit = cache.get(key);
      if (hit) return hit;
      const r = await deps.embed(scope.userId, scope.projectId, [text], QUERY_TIMEOUT_MS);
      if (!r.ok) {
        deps.log.warn("memory query not embedded; FTS only", { error: r.error.message });
        return null;
      }
      const vec = r.value[0] as Float32Array;
      cache.set(key, vec);
      if (cache.size > QUERY_CACHE) cache.delete(cache.keys().next().value as string);
      return vec;
    },
    kick: () => {
      version++;
      embedder.kick();
    },
    version: () => version,
  };
  return { vectors, embedder };
}

import type { Database } from "bun:sqlite";
import type { Result } from "../protocol/errors.ts";
import type { EmbeddingStatus } from "../protocol/llm.ts";
import type { Logger } from "../shared/log.ts";
import { memoryVectorsRepo, type PendingMemory } from "../storage/memory-vectors.ts";

/** Asks the LLM gateway for vectors of `texts`, billed to this user (and project, if any). */
export type EmbedFn = (
  userId: string,
  projectId: string | null,
  texts: string[],
  timeoutMs?: number,
) => Promise<Result<Float32Array[]>>;

export interface EmbedderDeps {
  db: Database;
  /** The configured embedding model ("provider/model"), or null: vector search is off. */
  model(): string | null;
  embed: EmbedFn;
  log: Logger;
  /** Memories per gateway call. Default 32. */
  batch?: number;
  /** After a failed call, wait this long before trying again. Default 30 s. */
  retryMs?: number;
  now?: () => number;
  /** Vectors were stored (search's cached matrices are stale). */
  stored?: () => void;
}

/** What is embedded for a memory: its text and its tags (the same fields FTS5 indexes). */
export const embeddingText = (m: { text: string; tags: string }): string =>
  m.tags ? `${m.text}\ntags: ${m.tags}` : m.text;

/**
 * Embeds memories in the background (decision 0019): every memory without a vector of the current
 * model, oldest first, in batches, until none is left. Adding or editing a memory only kicks it, so
 * nothing waits on a model; a changed model leaves every memory without a current vector, so the
 * same loop re-embeds them all. Search uses vectors where they exist and FTS5 everywhere.
 */
export class MemoryEmbedder {
  private readonly repo;
  private running: Promise<void> | null = null;
  private again = false;
  private retry: ReturnType<typeof setTimeout> | null = null;
  private lastError: string | null = null;
  private stopped = false;

  constructor(private readonly deps: EmbedderDeps) {
    this.repo = memoryVectorsRepo(deps.db);
  }

  /** Something may need a vector: run now (or once more after the current run). */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.retry) {
      clearTimeout(this.retry);
      this.retry = null;
    }
    this.running = this.loop().finally(() => {
      this.running = null;
      if (this.again) {
        this.again = false;
        this.kick();
      }
    });
  }

  /** Resolves when no run is going (tests and benches wait on it; nothing else needs to). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  status(): EmbeddingStatus {
    const model = this.deps.model();
    const counts = model ? this.repo.counts(model) : { total: 0, embedded: 0 };
    return { model, ...counts, running: this.running !== null, last_error: this.lastError };
  }

  stop(): void {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
  }

  private async loop(): Promise<void> {
    const batch = this.deps.batch ?? 32;
    let done = 0;
    for (;;) {
      const model = this.deps.model();
      if (!model || this.stopped) return;
      const pending = this.repo.pending(model, batch);
      if (pending.length === 0) {
        if (done > 0) this.deps.log.info("memory embeddings up to date", { model, embedded: done });
        return;
      }
      const failed = await this.embedBatch(model, pending);
      if (failed) {
        this.lastError = failed;
        this.deps.log.warn("memory embeddings failed; search uses FTS for the rest", {
          model,
          error: failed,
          retry_ms: this.deps.retryMs ?? 30_000,
        });
        this.retry = setTimeout(() => this.kick(), this.deps.retryMs ?? 30_000);
        this.retry.unref?.();
        return;
      }
      this.lastError = null;
      done += pending.length;
      const { total, embedded } = this.repo.counts(model);
      this.deps.log.info("memory embeddings", { model, embedded, total });
    }
  }

  /** One gateway call per user and project in the batch (each is metered to its own). Error text or null. */
  private async embedBatch(model: string, pending: PendingMemory[]): Promise<string | null> {
    const groups = new Map<string, PendingMemory[]>();
    for (const m of pending) {
      const key = `${m.user_id} ${m.project_id ?? ""}`;
      groups.set(key, [...(groups.get(key) ?? []), m]);
    }
    const now = (this.deps.now ?? Date.now)();
    for (const group of groups.values()) {
      const first = group[0] as PendingMemory;
      const r = await this.deps.embed(first.user_id, first.project_id, group.map(embeddingText));
      if (!r.ok) return r.error.message;
      // The model may have changed while we waited: those vectors belong to no one.
      if (this.deps.model() !== model) return null;
      group.forEach((m, i) => {
        this.repo.store(m.seq, m.updated_at, model, r.value[i] as Float32Array, now);
      });
      this.deps.stored?.();
    }
    return null;
  }
}

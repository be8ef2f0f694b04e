import type { Database } from "bun:sqlite";
import { decode } from "../protocol/decode.ts";
import { fail, ok, type Result } from "../protocol/errors.ts";
import { newId } from "../protocol/ids.ts";
import { CreateMemoryBody, type Memory, type MemorySource, UpdateMemoryBody } from "../protocol/memory.ts";
import { type MemoryRow, memoriesRepo } from "../storage/memories.ts";
import { memoryVectorsRepo } from "../storage/memory-vectors.ts";
import { ftsQuery, ftsTerms } from "./fts.ts";
import { reciprocalRankFusion } from "./hybrid.ts";
import { nearestIn, VectorCache } from "./vector-cache.ts";

/** Who makes a change: a person in the UI, or an agent session (through its tool token). */
export type Actor =
  | { kind: "person"; userId: string }
  | { kind: "session"; userId: string; sessionId: string; messageId?: string };

/** Where a call acts: the user and one of their projects (already checked by the caller). */
export interface Scope {
  userId: string;
  projectId: string;
}

export interface MemoryDeps {
  db: Database;
  usernameOf(userId: string): string | null;
  /** A memory changed: `projectId` null for a user memory (every project of the user sees it). */
  changed(userId: string, projectId: string | null): void;
  now?: () => number;
  /** Vector search, when an embedding model is configured (decision 0019). Absent: FTS5 only. */
  vectors?: MemoryVectors;
}

export interface MemoryVectors {
  /** The configured embedding model ("provider/model"), or null. */
  model(): string | null;
  /** The query's vector (through the LLM gateway), or null when it cannot be had now. */
  embedQuery(scope: Scope, text: string, model: string): Promise<Float32Array | null>;
  /** A memory was added or changed: embed it in the background. */
  kick(): void;
  /** Moves whenever stored vectors may have changed (cached matrices are rebuilt then). */
  version(): number;
}

/** How many of each list the fusion looks at. */
const CANDIDATES = 50;
/** A memory offered before a first prompt never needs to match more of the prompt's words than this. */
const MAX_REQUIRED_TERMS = 3;

const notFound = () => fail("not_found", "no such memory");

function sourceOf(deps: MemoryDeps, kind: string, id: string, message: string | null): MemorySource {
  return kind === "person"
    ? { kind: "person", user_id: id, username: deps.usernameOf(id) ?? "(deleted user)" }
    : { kind: "session", session_id: id, message_id: message };
}

/** The public shape of a stored memory (routes and tools never see a row). */
export function toMemory(deps: MemoryDeps, row: MemoryRow): Memory {
  return {
    id: row.id,
    project_id: row.project_id,
    scope: row.project_id === null ? "user" : "project",
    text: row.text,
    tags: row.tags ? row.tags.split(" ") : [],
    pinned: row.pinned === 1,
    source: sourceOf(deps, row.source_kind, row.source_id, row.source_message),
    updated_by: sourceOf(deps, row.updated_by_kind, row.updated_by_id, null),
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

const actorRef = (a: Actor) =>
  a.kind === "person" ? { kind: "person", id: a.userId } : { kind: "session", id: a.sessionId };

/** Memories of one user's project (and the user's own), every change attributed. */
export class MemoryService {
  private readonly repo;
  private readonly vectorRepo;
  private readonly cache = new VectorCache();
  constructor(private readonly deps: MemoryDeps) {
    this.repo = memoriesRepo(deps.db);
    this.vectorRepo = memoryVectorsRepo(deps.db);
  }
  private now() {
    return (this.deps.now ?? Date.now)();
  }
  private log(row: { id: string; user_id: string }, action: string, actor: Actor) {
    const ref = actorRef(actor);
    this.repo.logChange({
      memory_id: row.id,
      user_id: row.user_id,
      action,
      actor_kind: ref.kind,
      actor_id: ref.id,
      at: this.now(),
    });
  }

  add(scope: Scope, actor: Actor, input: unknown): Result<Memory> {
    const body = decode(CreateMemoryBody, input, "memory");
    if (!body.ok) return body;
    const now = this.now();
    const ref = actorRef(actor);
    const row: MemoryRow = {
      seq: 0,
      id: newId("mem", now),
      user_id: scope.userId,
      project_id: body.value.scope === "user" ? null : scope.projectId,
      text: body.value.text,
      tags: [...new Set(body.value.tags)].join(" "),
      pinned: body.value.pinned ? 1 : 0,
      source_kind: ref.kind as MemoryRow["source_kind"],
      source_id: ref.id,
      source_message: actor.kind === "session" ? (actor.messageId ?? null) : null,
      updated_by_kind: ref.kind as MemoryRow["updated_by_kind"],
      updated_by_id: ref.id,
      created_at: now,
      updated_at: now,
    };
    const { seq: _seq, ...insert } = row;
    this.repo.insert(insert);
    this.log(row, "add", actor);
    this.deps.changed(scope.userId, row.project_id);
    this.deps.vectors?.kick();
    return ok(toMemory(this.deps, row));
  }

  get(scope: Scope, id: string): Result<Memory> {
    const row = this.repo.inScope(scope.userId, scope.projectId, id);
    return row ? ok(toMemory(this.deps, row)) : notFound();
  }

  /** Pinned first, then the most recently changed. */
  list(scope: Scope, opts: { limit?: number; tag?: string } = {}): Memory[] {
    return this.repo
      .list(scope.userId, scope.projectId, opts.limit ?? 200, opts.tag)
      .map((r) => toMemory(this.deps, r));
  }

  /**
   * Ranked matches; an empty query lists instead. bm25 over FTS5 always; with an embedding model,
   * fused (RRF) with the cosine ranking of the memories that have a vector of that model, so
   * memories not embedded yet are still found by their words.
   */
  async search(scope: Scope, query: string, opts: { limit?: number; tag?: string } = {}): Promise<Memory[]> {
    const ranked = await this.rank(scope, query, opts);
    return ranked === null ? this.list(scope, opts) : ranked.memories;
  }

  /** The fused ranking and the two lists it came from (seqs), or null for an empty query. */
  async rank(
    scope: Scope,
    query: string,
    opts: { limit?: number; tag?: string } = {},
  ): Promise<{ memories: Memory[]; fts: number[]; vector: number[] } | null> {
    const limit = opts.limit ?? 20;
    const q = ftsQuery(query);
    const model = this.deps.vectors?.model() ?? null;
    if (!q && (!model || query.trim() === "")) return null;
    const fts = q
      ? this.repo
          .search(scope.userId, scope.projectId, q, Math.max(limit, CANDIDATES), opts.tag)
          .map((r) => r.seq)
      : [];
    const vector = model ? await this.vectorRanking(scope, query, model, opts.tag) : [];
    const seqs = (vector.length === 0 ? fts : reciprocalRankFusion([fts, vector])).slice(0, limit);
    const rows = new Map(this.repo.bySeqs(seqs).map((r) => [r.seq, r]));
    const memories = seqs.flatMap((seq) => {
      const row = rows.get(seq);
      return row ? [toMemory(this.deps, row)] : [];
    });
    return { memories, fts, vector };
  }

  /**
   * The memories worth putting before a new conversation's first prompt ("used N memories"): the
   * fused ranking, but only memories that pass a bar of their own, so that an unrelated memory is
   * never offered just because it is the best of a poor lot. A memory passes by its words — it
   * matches at least `minTermShare` of the prompt's search terms, but never more than
   * `MAX_REQUIRED_TERMS` are required (a long prompt) and always at least one — or by its meaning,
   * a cosine above `minSimilarity` with the prompt (when an embedding model is set).
   */
  async relevant(
    scope: Scope,
    text: string,
    opts: { limit: number; minSimilarity: number; minTermShare: number },
  ): Promise<Memory[]> {
    const terms = ftsTerms(text);
    const q = ftsQuery(text);
    let fts: number[] = [];
    if (q) {
      const found = this.repo.search(scope.userId, scope.projectId, q, CANDIDATES).map((r) => r.seq);
      const required = Math.max(1, Math.min(MAX_REQUIRED_TERMS, Math.ceil(terms.length * opts.minTermShare)));
      const matched = this.repo.termMatches(found, terms);
      fts = found.filter((seq) => (matched.get(seq) ?? 0) >= required);
    }
    const model = this.deps.vectors?.model() ?? null;
    const vector =
      model && text.trim() !== ""
        ? await this.vectorRanking(scope, text, model, undefined, opts.minSimilarity)
        : [];
    const seqs = (vector.length === 0 ? fts : reciprocalRankFusion([fts, vector])).slice(0, opts.limit);
    const rows = new Map(this.repo.bySeqs(seqs).map((r) => [r.seq, r]));
    return seqs.flatMap((seq) => {
      const row = rows.get(seq);
      return row ? [toMemory(this.deps, row)] : [];
    });
  }

  private async vectorRanking(
    scope: Scope,
    query: string,
    model: string,
    tag?: string,
    floor = 0,
  ): Promise<number[]> {
    const vectors = this.deps.vectors;
    if (!vectors) return [];
    const key = [scope.userId, scope.projectId, model, tag ?? ""].join("\n");
    const load = () => this.vectorRepo.inScope(scope.userId, scope.projectId, model, tag);
    const stored = this.cache.get(key, vectors.version(), load);
    if (stored.seqs.length === 0) return [];
    const q = await vectors.embedQuery(scope, query, model);
    return q ? nearestIn(stored, q, CANDIDATES, floor) : [];
  }

  update(scope: Scope, actor: Actor, id: string, input: unknown): Result<Memory> {
    const body = decode(UpdateMemoryBody, input, "memory");
    if (!body.ok) return body;
    const row = this.repo.inScope(scope.userId, scope.projectId, id);
    if (!row) return notFound();
    const fields: Partial<Pick<MemoryRow, "text" | "tags" | "pinned">> = {};
    if (body.value.text !== undefined) fields.text = body.value.text;
    if (body.value.tags !== undefined) fields.tags = [...new Set(body.value.tags)].join(" ");
    if (body.value.pinned !== undefined) fields.pinned = body.value.pinned ? 1 : 0;
    if (Object.keys(fields).length === 0) return fail("validation_failed", "memory: nothing to change");
    this.repo.update(id, fields, actorRef(actor), this.now());
    this.log(
      row,
      body.value.pinned !== undefined && Object.keys(fields).length === 1 ? "pin" : "edit",
      actor,
    );
    this.deps.changed(scope.userId, row.project_id);
    if (fields.text !== undefined || fields.tags !== undefined) this.deps.vectors?.kick();
    return this.get(scope, id);
  }

  forget(scope: Scope, actor: Actor, id: string): Result<Memory> {
    const row = this.repo.inScope(scope.userId, scope.projectId, id);
    if (!row) return notFound();
    this.repo.remove(id);
    this.log(row, "forget", actor);
    this.deps.changed(scope.userId, row.project_id);
    return ok(toMemory(this.deps, row));
  }

  /** Who did what to a memory, oldest first. */
  changes(scope: Scope, id: string): Result<{ action: string; by: MemorySource; at: number }[]> {
    if (!this.repo.inScope(scope.userId, scope.projectId, id)) return notFound();
    return ok(
      this.repo.changes(id).map((c) => ({
        action: c.action,
        by: sourceOf(this.deps, c.actor_kind, c.actor_id, null),
        at: c.at,
      })),
    );
  }
}

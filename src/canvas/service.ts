import type { Database } from "bun:sqlite";
import {
  type CanvasArtifact,
  type CanvasKind,
  type CanvasRevision,
  detectKind,
  MAX_CANVAS_BYTES,
  type Publisher,
} from "../protocol/canvas.ts";
import { fail, ok, type Result } from "../protocol/errors.ts";
import { newId } from "../protocol/ids.ts";
import { type CanvasListRow, type CanvasRevisionRow, canvasRepo } from "../storage/canvas.ts";
import { CanvasUploads, tooBig } from "./uploads.ts";

/** Who publishes: a person in the UI, or an agent session (through its tool token). */
export type CanvasActor =
  | { kind: "person"; userId: string }
  | { kind: "session"; userId: string; sessionId: string };

/** Where a call acts: the user and one of their projects (already checked by the caller). */
export interface CanvasScope {
  userId: string;
  projectId: string;
}

export interface CanvasDeps {
  db: Database;
  usernameOf(userId: string): string | null;
  /** An artifact of the project changed (published, revised or deleted). */
  changed(userId: string, projectId: string): void;
  maxBytes?: number;
  now?: () => number;
}

export interface PublishInput {
  /** The source path (the agent's file, or a person's file name). */
  path: string;
  title?: string | undefined;
  kind?: CanvasKind | undefined;
  bytes: Uint8Array;
}

const notFound = () => fail("not_found", "no such canvas artifact");

/** The file name of a path, for a default title. */
const baseName = (path: string) => path.split("/").filter(Boolean).at(-1) ?? path;

/** The project's canvas: artifacts, their revisions and their bytes; every publish attributed. */
export class CanvasService {
  readonly uploads: CanvasUploads;
  private readonly repo;
  private readonly maxBytes: number;

  constructor(private readonly deps: CanvasDeps) {
    this.repo = canvasRepo(deps.db);
    this.maxBytes = deps.maxBytes ?? MAX_CANVAS_BYTES;
    this.uploads = new CanvasUploads(this.maxBytes, deps.now);
  }

  private now() {
    return (this.deps.now ?? Date.now)();
  }

  private publisher(kind: string, id: string): Publisher {
    return kind === "person"
      ? { kind: "person", user_id: id, username: this.deps.usernameOf(id) ?? "(deleted user)" }
      : { kind: "session", session_id: id };
  }

  private toArtifact(row: CanvasListRow): CanvasArtifact {
    return {
      id: row.id,
      project_id: row.project_id,
      path: row.path,
      title: row.title,
      kind: row.kind as CanvasKind,
      revision: row.current,
      revisions: row.revisions,
      size: row.size,
      created_by: this.publisher(row.created_by_kind, row.created_by_id),
      updated_by: this.publisher(row.by_kind, row.by_id),
      created_at: row.created_at,
      updated_at: row.updated_at,
    };
  }

  private toRevision(row: CanvasRevisionRow): CanvasRevision {
    return {
      revision: row.revision,
      kind: row.kind as CanvasKind,
      mime: row.mime,
      title: row.title,
      size: row.size,
      sha256: row.sha256,
      published_by: this.publisher(row.by_kind, row.by_id),
      created_at: row.created_at,
    };
  }

  /**
   * A new artifact, or the next revision of the one published from the same path. The kind comes
   * from the name and, decisively, the bytes (an image must be one); too big or unknown is refused.
   */
  publish(
    scope: CanvasScope,
    actor: CanvasActor,
    input: PublishInput,
  ): Result<{ artifact: CanvasArtifact; created: boolean }> {
    if (input.bytes.length > this.maxBytes) return tooBig(input.bytes.length, this.maxBytes);
    if (input.bytes.length === 0) return fail("validation_failed", `${input.path} is empty`);
    const detected = detectKind(input.path, input.bytes, input.kind);
    if (!detected.ok) return fail("unknown_kind", detected.message);
    const now = this.now();
    const by =
      actor.kind === "person"
        ? { kind: "person" as const, id: actor.userId }
        : { kind: "session" as const, id: actor.sessionId };
    const title = input.title ?? this.repo.byPath(scope.projectId, input.path)?.title ?? baseName(input.path);
    const done = this.repo.publish(
      {
        id: newId("cnv", now),
        project_id: scope.projectId,
        path: input.path,
        title,
        current: 1,
        created_by_kind: by.kind,
        created_by_id: by.id,
        created_at: now,
        updated_at: now,
      },
      {
        kind: detected.kind,
        mime: detected.mime,
        title,
        size: input.bytes.length,
        sha256: new Bun.CryptoHasher("sha256").update(input.bytes).digest("hex"),
        content: input.bytes,
        by_kind: by.kind,
        by_id: by.id,
        created_at: now,
      },
    );
    this.deps.changed(scope.userId, scope.projectId);
    const row = this.repo.one(scope.projectId, done.id);
    if (!row) return fail("internal", "the artifact vanished while it was published");
    return ok({ artifact: this.toArtifact(row), created: done.created });
  }

  list(scope: CanvasScope): CanvasArtifact[] {
    return this.repo.list(scope.projectId).map((r) => this.toArtifact(r));
  }

  get(scope: CanvasScope, id: string): Result<{ artifact: CanvasArtifact; revisions: CanvasRevision[] }> {
    const row = this.repo.one(scope.projectId, id);
    if (!row) return notFound();
    return ok({
      artifact: this.toArtifact(row),
      revisions: this.repo.revisions(id).map((r) => this.toRevision(r)),
    });
  }

  /** One revision's bytes (the current one when `revision` is omitted). */
  content(
    scope: CanvasScope,
    id: string,
    revision?: number,
  ): Result<{ revision: CanvasRevision; bytes: Uint8Array }> {
    const row = this.repo.one(scope.projectId, id);
    if (!row) return notFound();
    const rev = this.repo.content(id, revision ?? row.current);
    if (!rev) return fail("not_found", `artifact ${id} has no revision ${revision}`);
    return ok({ revision: this.toRevision(rev), bytes: rev.content });
  }

  remove(scope: CanvasScope, id: string): Result<true> {
    if (!this.repo.remove(scope.projectId, id)) return notFound();
    this.deps.changed(scope.userId, scope.projectId);
    return ok(true);
  }
}

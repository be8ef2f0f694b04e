import type { Database } from "bun:sqlite";

/** SQL for canvas artifacts and their revisions (migration 008). */

export interface CanvasArtifactRow {
  id: string;
  project_id: string;
  path: string;
  title: string;
  current: number;
  created_by_kind: "person" | "session";
  created_by_id: string;
  created_at: number;
  updated_at: number;
}

export interface CanvasRevisionRow {
  artifact_id: string;
  revision: number;
  kind: string;
  mime: string;
  title: string;
  size: number;
  sha256: string;
  by_kind: "person" | "session";
  by_id: string;
  created_at: number;
}

/** An artifact with its current revision's fields, as lists show it. */
export type CanvasListRow = CanvasArtifactRow & {
  kind: string;
  size: number;
  by_kind: "person" | "session";
  by_id: string;
  revisions: number;
};

const LIST_SELECT = `SELECT a.*, r.kind, r.size, r.by_kind, r.by_id,
    (SELECT COUNT(*) FROM canvas_revisions c WHERE c.artifact_id = a.id) AS revisions
  FROM canvas_artifacts a JOIN canvas_revisions r ON r.artifact_id = a.id AND r.revision = a.current`;

const REVISION_FIELDS = "artifact_id, revision, kind, mime, title, size, sha256, by_kind, by_id, created_at";

export const canvasRepo = (db: Database) => ({
  byPath(projectId: string, path: string): CanvasArtifactRow | null {
    return db
      .query<CanvasArtifactRow, [string, string]>(
        "SELECT * FROM canvas_artifacts WHERE project_id = ? AND path = ?",
      )
      .get(projectId, path);
  },
  one(projectId: string, id: string): CanvasListRow | null {
    return db
      .query<CanvasListRow, [string, string]>(`${LIST_SELECT} WHERE a.project_id = ? AND a.id = ?`)
      .get(projectId, id);
  },
  list(projectId: string): CanvasListRow[] {
    return db
      .query<CanvasListRow, [string]>(
        `${LIST_SELECT} WHERE a.project_id = ? ORDER BY a.updated_at DESC, a.id DESC`,
      )
      .all(projectId);
  },
  revisions(artifactId: string): CanvasRevisionRow[] {
    return db
      .query<CanvasRevisionRow, [string]>(
        `SELECT ${REVISION_FIELDS} FROM canvas_revisions WHERE artifact_id = ? ORDER BY revision DESC`,
      )
      .all(artifactId);
  },
  content(artifactId: string, revision: number): (CanvasRevisionRow & { content: Uint8Array }) | null {
    return db
      .query<CanvasRevisionRow & { content: Uint8Array }, [string, number]>(
        `SELECT ${REVISION_FIELDS}, content FROM canvas_revisions WHERE artifact_id = ? AND revision = ?`,
      )
      .get(artifactId, revision);
  },
  /** A new artifact with its first revision, or the next revision of an existing one: one transaction. */
  publish(
    artifact: CanvasArtifactRow,
    revision: Omit<CanvasRevisionRow, "artifact_id" | "revision"> & { content: Uint8Array },
  ): { id: string; revision: number; created: boolean } {
    return db.transaction(() => {
      const existing = this.byPath(artifact.project_id, artifact.path);
      const id = existing?.id ?? artifact.id;
      const next = (existing?.current ?? 0) + 1;
      if (existing)
        db.query("UPDATE canvas_artifacts SET current = ?, title = ?, updated_at = ? WHERE id = ?").run(
          next,
          revision.title,
          revision.created_at,
          id,
        );
      else
        db.query(
          `INSERT INTO canvas_artifacts (id, project_id, path, title, current, created_by_kind, created_by_id,
             created_at, updated_at)
           VALUES ($id, $project_id, $path, $title, 1, $created_by_kind, $created_by_id, $created_at, $updated_at)`,
        ).run({
          id,
          project_id: artifact.project_id,
          path: artifact.path,
          title: artifact.title,
          created_by_kind: artifact.created_by_kind,
          created_by_id: artifact.created_by_id,
          created_at: artifact.created_at,
          updated_at: artifact.updated_at,
        });
      db.query(
        `INSERT INTO canvas_revisions (artifact_id, revision, kind, mime, title, size, sha256, content, by_kind,
           by_id, created_at)
         VALUES ($artifact_id, $revision, $kind, $mime, $title, $size, $sha256, $content, $by_kind, $by_id,
           $created_at)`,
      ).run({ ...revision, artifact_id: id, revision: next });
      return { id, revision: next, created: !existing };
    })();
  },
  remove(projectId: string, id: string): boolean {
    return (
      db.query("DELETE FROM canvas_artifacts WHERE project_id = ? AND id = ?").run(projectId, id).changes > 0
    );
  },
});

import { fail, ok, type Result } from "../protocol/errors.ts";
import { type FileOpResult, MAX_CHUNK_BYTES, relativePathProblem } from "../protocol/files.ts";
import type { ProjectFiles } from "./access.ts";

type Uploaded = FileOpResult<"fs.upload_commit">;

/**
 * The files of one upload, one after the other, as the transport decodes them (over HTTP: a
 * `multipart/form-data` body, `src/http/multipart.ts`).
 */
export interface UploadParts {
  /** The next part's file name (null: a plain form field), or null after the last part. */
  nextPart(): Promise<Result<{ filename: string | null } | null>>;
  /** Up to `max` bytes of the current part; null at its end. */
  read(max: number): Promise<Result<Uint8Array | null>>;
}

export interface UploadTarget {
  /** The folder the files go into (`""`: the project folder). */
  folder: string;
  overwrite: boolean;
}

/**
 * Every file part is written to `<folder>/<its filename>` through the runner, in chunks of at most
 * 1 MiB, read from the transport only as fast as the runner takes them. Files committed before a
 * failure stay; the failing one is aborted (its temp file removed).
 */
export async function uploadFiles(
  files: ProjectFiles,
  target: UploadTarget,
  parts: UploadParts,
): Promise<Result<Uploaded[]>> {
  const done: Uploaded[] = [];
  for (;;) {
    const part = await parts.nextPart();
    if (!part.ok) return part;
    if (part.value === null) break;
    if (part.value.filename === null) continue; // a plain form field: nothing to store
    const name = part.value.filename;
    const problem = name === "" ? "a file part has an empty filename" : relativePathProblem(name);
    if (problem) return fail("validation_failed", `filename ${JSON.stringify(name)}: ${problem}`);
    const path = target.folder ? `${target.folder}/${name}` : name;
    const pathProblem = relativePathProblem(path);
    if (pathProblem) return fail("validation_failed", `${path}: ${pathProblem}`);
    const stored = await uploadOne(files, path, target.overwrite, parts);
    if (!stored.ok) return stored;
    done.push(stored.value);
  }
  if (done.length === 0) return fail("bad_request", "the upload holds no files");
  return ok(done);
}

async function uploadOne(
  files: ProjectFiles,
  path: string,
  overwrite: boolean,
  parts: UploadParts,
): Promise<Result<Uploaded>> {
  const { runner, folder } = files;
  const begun = await runner.fs("fs.upload_begin", {
    project: folder,
    path,
    overwrite,
    create_parents: true,
  });
  if (!begun.ok) return begun;
  const upload = begun.value.upload;
  let offset = 0;
  const pending: Uint8Array[] = [];
  let pendingBytes = 0;
  const flush = async (): Promise<Result<void>> => {
    if (pendingBytes === 0) return ok(undefined);
    const data = Buffer.concat(pending, pendingBytes);
    pending.length = 0;
    pendingBytes = 0;
    const r = await runner.fs("fs.upload_chunk", { upload, offset, data: data.toString("base64") });
    if (!r.ok) return r;
    offset += data.length;
    return ok(undefined);
  };
  const abort = async <T>(failure: Result<T>) => {
    await runner.fs("fs.upload_abort", { upload });
    return failure;
  };
  for (;;) {
    const r = await parts.read(MAX_CHUNK_BYTES - pendingBytes);
    if (!r.ok) return abort(r);
    if (r.value === null) break;
    pending.push(r.value);
    pendingBytes += r.value.length;
    if (pendingBytes >= MAX_CHUNK_BYTES) {
      const sent = await flush();
      if (!sent.ok) return abort(sent);
    }
  }
  const sent = await flush();
  if (!sent.ok) return abort(sent);
  const committed = await runner.fs("fs.upload_commit", { upload });
  return committed.ok ? committed : abort(committed);
}

import { fail, ok, type Result } from "../protocol/errors.ts";
import { type FileOpResult, MAX_CHUNK_BYTES, relativePathProblem } from "../protocol/files.ts";
import type { ProjectFiles } from "./access.ts";
import { MultipartReader, multipartBoundary } from "./multipart.ts";

type Uploaded = FileOpResult<"fs.upload_commit">;

export interface UploadRequest {
  /** The folder the files go into (`""`: the project folder). */
  folder: string;
  overwrite: boolean;
  contentType: string | null;
  contentLength: number | null;
  body: ReadableStream<Uint8Array> | null;
  /** Bytes of the whole request body. */
  maxBytes: number;
}

/** Counts bytes as they are read and refuses to read past the limit. */
function bounded(body: ReadableStream<Uint8Array>, max: number) {
  const reader = body.getReader();
  let total = 0;
  let over = false;
  const counted: ReadableStreamDefaultReader<Uint8Array> = {
    async read() {
      if (over) return { done: true, value: undefined };
      let r: Awaited<ReturnType<typeof reader.read>>;
      try {
        r = await reader.read();
      } catch {
        // The client went away mid-body: the parser sees a truncated body and says so.
        return { done: true, value: undefined };
      }
      if (!r.done) {
        total += r.value.byteLength;
        if (total > max) {
          over = true;
          void reader.cancel().catch(() => {});
          return { done: true, value: undefined };
        }
      }
      return r;
    },
    cancel: (reason) => reader.cancel(reason),
    releaseLock: () => reader.releaseLock(),
    closed: reader.closed,
  } as ReadableStreamDefaultReader<Uint8Array>;
  return { reader: counted, isOver: () => over };
}

/**
 * A `multipart/form-data` upload: every file part is written to `<folder>/<its filename>` through
 * the runner, in chunks of at most 1 MiB, read from the network only as fast as the runner takes
 * them. Files committed before a failure stay; the failing one is aborted (its temp file removed).
 */
export async function uploadFiles(files: ProjectFiles, req: UploadRequest): Promise<Result<Uploaded[]>> {
  const tooLarge = () => fail("payload_too_large", `an upload is at most ${req.maxBytes} bytes`);
  if (req.contentLength !== null && req.contentLength > req.maxBytes) return tooLarge();
  const boundary = multipartBoundary(req.contentType);
  if (!boundary) return fail("bad_request", "an upload is a multipart/form-data body with a boundary");
  if (!req.body) return fail("bad_request", "the upload has no body");
  const input = bounded(req.body, req.maxBytes);
  const parts = new MultipartReader(input.reader, boundary);
  const done: Uploaded[] = [];
  try {
    for (;;) {
      const part = await parts.nextPart();
      if (!part.ok) return input.isOver() ? tooLarge() : part;
      if (part.value === null) break;
      if (part.value.filename === null) continue; // a plain form field: nothing to store
      const name = part.value.filename;
      const problem = name === "" ? "a file part has an empty filename" : relativePathProblem(name);
      if (problem) return fail("validation_failed", `filename ${JSON.stringify(name)}: ${problem}`);
      const path = req.folder ? `${req.folder}/${name}` : name;
      const pathProblem = relativePathProblem(path);
      if (pathProblem) return fail("validation_failed", `${path}: ${pathProblem}`);
      const stored = await uploadOne(files, path, req.overwrite, parts);
      if (!stored.ok) return input.isOver() ? tooLarge() : stored;
      done.push(stored.value);
    }
  } finally {
    await input.reader.cancel().catch(() => {});
  }
  if (done.length === 0) return fail("bad_request", "the upload holds no files");
  return ok(done);
}

async function uploadOne(
  files: ProjectFiles,
  path: string,
  overwrite: boolean,
  parts: MultipartReader,
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

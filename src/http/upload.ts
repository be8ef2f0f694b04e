import type { ProjectFiles } from "../files/access.ts";
import { uploadFiles } from "../files/upload.ts";
import { fail, type Result } from "../protocol/errors.ts";
import type { FileOpResult } from "../protocol/files.ts";
import { MultipartReader, multipartBoundary } from "./multipart.ts";

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
 * A `multipart/form-data` request body into the project (`uploadFiles`), never read past
 * `maxBytes`: a body that goes over is answered 413 whatever the parser made of its cut-off end.
 */
export async function uploadFromRequest(
  files: ProjectFiles,
  req: UploadRequest,
): Promise<Result<FileOpResult<"fs.upload_commit">[]>> {
  const tooLarge = () => fail("payload_too_large", `an upload is at most ${req.maxBytes} bytes`);
  if (req.contentLength !== null && req.contentLength > req.maxBytes) return tooLarge();
  const boundary = multipartBoundary(req.contentType);
  if (!boundary) return fail("bad_request", "an upload is a multipart/form-data body with a boundary");
  if (!req.body) return fail("bad_request", "the upload has no body");
  const input = bounded(req.body, req.maxBytes);
  try {
    const stored = await uploadFiles(
      files,
      { folder: req.folder, overwrite: req.overwrite },
      new MultipartReader(input.reader, boundary),
    );
    return !stored.ok && input.isOver() ? tooLarge() : stored;
  } finally {
    await input.reader.cancel().catch(() => {});
  }
}

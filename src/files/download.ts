import { ok, type Result } from "../protocol/errors.ts";
import { MAX_CHUNK_BYTES } from "../protocol/files.ts";
import type { ProjectFiles } from "./access.ts";

/** A file or a zipped folder on its way out, with what a transport needs to describe it. */
export interface Download {
  body: ReadableStream<Uint8Array>;
  kind: "file" | "zip";
  /** The name to save it as (`<folder>.zip` for a folder). */
  name: string;
  /** Bytes, when known in advance (a file; not a zip being made). */
  size: number | null;
  mtime: number;
}

/**
 * A file (as itself) or a folder (as `<name>.zip`) from the project, as a byte stream that asks the
 * runner for the next chunk only when the HTTP response wants more: a slow browser slows the
 * runner instead of filling the server's memory. Cancelling the response closes the runner stream.
 */
export async function openDownload(files: ProjectFiles, path: string): Promise<Result<Download>> {
  const { runner, folder } = files;
  const opened = await runner.fs("fs.download_open", { project: folder, path });
  if (!opened.ok) return opened;
  const { download, kind, name, size, mtime } = opened.value;
  let sent = 0;
  let finished = false;
  const close = () => {
    if (finished) return;
    finished = true;
    void runner.fs("fs.download_close", { download });
  };

  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        // A file is sent as exactly the size announced in Content-Length, even if it grows meanwhile.
        const want = size === null ? MAX_CHUNK_BYTES : Math.min(MAX_CHUNK_BYTES, size - sent);
        if (want <= 0) {
          close();
          controller.close();
          return;
        }
        const r = await runner.fs("fs.download_read", { download, max_bytes: want });
        if (!r.ok) {
          finished = true;
          controller.error(new Error(`download failed: ${r.error.message}`));
          return;
        }
        const bytes = Buffer.from(r.value.data, "base64");
        sent += bytes.length;
        if (bytes.length > 0) controller.enqueue(new Uint8Array(bytes));
        if (r.value.eof) {
          finished = true;
          if (size !== null && sent < size) controller.error(new Error("the file shrank while it was read"));
          else controller.close();
        }
      },
      cancel() {
        close();
      },
    },
    { highWaterMark: 0 },
  );

  return ok({ body, kind, name, size, mtime });
}

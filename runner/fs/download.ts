import type { FileHandle } from "node:fs/promises";
import { ok, type Result } from "../../src/protocol/errors.ts";
import { type FileTarget, locate, openDirAt, openFileForRead, openProject, release } from "./confine.ts";
import { ioFailure } from "./io-failure.ts";
import { checkZippable, type ZipOptions, zipFolder } from "./zip.ts";

export interface Download {
  kind: "file" | "zip";
  /** For Content-Disposition: the file's name, or `<folder>.zip`. */
  name: string;
  /** Exact for a file, null for a zip. */
  size: number | null;
  mtime: number;
  /** Pull-driven: nothing is read ahead of the consumer. Ends by closing every descriptor. */
  chunks: AsyncGenerator<Uint8Array>;
  /** Stop early (safe to call at any time, also after the end). */
  close(): Promise<void>;
}

const FILE_CHUNK = 256 * 1024;

/** A file as itself, a folder (or the whole project for `""`) as a zip. */
export async function openDownload(t: FileTarget, zip: ZipOptions = {}): Promise<Result<Download>> {
  const project = await openProject(t.root, t.project);
  if (!project.ok) return project;
  const handles: FileHandle[] = [project.value.fd];
  let closed: Promise<unknown> | undefined;
  const closeAll = () => {
    closed ??= Promise.all(handles.map((h) => h.close().catch(() => undefined)));
    return closed;
  };
  const download = (d: Omit<Download, "close">): Download => ({
    ...d,
    close: async () => {
      await d.chunks.return(undefined);
      await closeAll();
    },
  });
  try {
    const located = await locate(project.value, t.path);
    if (!located.ok) {
      await closeAll();
      return located;
    }
    const at = located.value;
    const baseName = at.name || t.project;
    const asFile = at.name === "" ? null : await openFileForRead(at);
    if (asFile?.ok) {
      await release(at);
      const fh = asFile.value;
      handles.push(fh);
      const st = await fh.stat();
      return ok(
        download({
          kind: "file",
          name: baseName,
          size: st.size,
          mtime: Math.trunc(st.mtimeMs),
          chunks: guarded(fileChunks(fh), closeAll),
        }),
      );
    }
    const dir =
      at.name === "" ? ok(project.value.fd) : await openDirAt(project.value, at.dir, at.name, at.rel);
    await release(at);
    if (!dir.ok) {
      await closeAll();
      // Neither a readable file nor a folder: the file's reason is the more useful one — also
      // when both say "wrong type": it names what the thing is (a FIFO, a socket, …).
      if (asFile && !asFile.ok && (asFile.error.code !== "wrong_type" || dir.error.code === "wrong_type"))
        return asFile;
      return dir;
    }
    if (dir.value !== project.value.fd) handles.push(dir.value);
    const checked = await checkZippable(dir.value, zip);
    if (!checked.ok) {
      await closeAll();
      return checked;
    }
    const st = await dir.value.stat();
    return ok(
      download({
        kind: "zip",
        name: `${baseName}.zip`,
        size: null,
        mtime: Math.trunc(st.mtimeMs),
        chunks: guarded(zipFolder(dir.value, zip), closeAll),
      }),
    );
  } catch (e) {
    await closeAll();
    return ioFailure(e, t.path);
  }
}

async function* fileChunks(fh: FileHandle): AsyncGenerator<Uint8Array> {
  for (;;) {
    const buf = new Uint8Array(FILE_CHUNK);
    const { bytesRead } = await fh.read(buf, 0, buf.length, null);
    if (bytesRead === 0) return;
    yield buf.subarray(0, bytesRead);
  }
}

/** Run `cleanup` however the consumer leaves: end, error, or `return()` when it stops early. */
async function* guarded(inner: AsyncGenerator<Uint8Array>, cleanup: () => Promise<unknown>) {
  try {
    yield* inner;
  } finally {
    await cleanup();
  }
}

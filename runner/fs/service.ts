import { fail, ok, type Result } from "../../src/protocol/errors.ts";
import {
  type FileRequest,
  type FileWatchEvent,
  MAX_CHUNK_BYTES,
  MAX_INLINE_BYTES,
} from "../../src/protocol/files.ts";
import type { FileTarget } from "./confine.ts";
import { type Download, openDownload } from "./download.ts";
import { createProject, removeProject } from "./project.ts";
import { readFile, writeFile } from "./read-write.ts";
import { deletePath, listDir, makeDir, movePath, statPath } from "./tree.ts";
import { DEFAULT_UPLOAD_LIMITS, type UploadLimits, Uploads } from "./upload.ts";
import { type ProjectWatch, type WatchOptions, watchProject } from "./watch.ts";

export interface FileServiceOptions {
  /** The user's workspace; from the runner's own config. */
  root: string;
  /** Watch batches, to be pushed to the server as `fs.changes` events. */
  onEvent: (event: FileWatchEvent) => void;
  uploads?: UploadLimits;
  watch?: WatchOptions;
  maxDownloads?: number;
  maxWatches?: number;
  /** A download nobody reads for this long is closed. */
  downloadIdleMs?: number;
}

interface OpenDownload {
  download: Download;
  pending: Uint8Array | null;
  reading: boolean;
  lastUsed: number;
}

const newId = (kind: "d" | "w") =>
  `fs${kind}_${Buffer.from(crypto.getRandomValues(new Uint8Array(12))).toString("hex")}`;

/**
 * The runner's file ops for one server connection: one decoded request in, one result out, plus
 * the state that spans requests (uploads, downloads being pulled, watches). `close()` when the
 * connection ends drops all of it.
 */
export class FileService {
  private readonly uploads: Uploads;
  private readonly downloads = new Map<string, OpenDownload>();
  private readonly watches = new Map<string, ProjectWatch>();
  private readonly sweeper: ReturnType<typeof setInterval>;

  constructor(private readonly opts: FileServiceOptions) {
    this.uploads = new Uploads(opts.uploads ?? DEFAULT_UPLOAD_LIMITS);
    this.sweeper = setInterval(() => void this.sweepDownloads(), 30_000);
    this.sweeper.unref();
  }

  async handle(req: FileRequest): Promise<Result<unknown>> {
    const root = this.opts.root;
    const at = (path: string): FileTarget => ({ root, project: "project" in req ? req.project : "", path });
    switch (req.op) {
      case "fs.list":
        return listDir(at(req.path));
      case "fs.stat":
        return statPath(at(req.path));
      case "fs.read":
        return readFile(at(req.path), { as: req.as, maxBytes: req.max_bytes });
      case "fs.write": {
        const bytes =
          req.encoding === "base64" ? Buffer.from(req.content, "base64") : Buffer.from(req.content);
        if (bytes.length > MAX_INLINE_BYTES) {
          return fail("payload_too_large", `inline writes are at most ${MAX_INLINE_BYTES} bytes: upload it`);
        }
        return writeFile(at(req.path), bytes, {
          ifMatch: req.if_match,
          createParents: req.create_parents,
          mode: req.mode,
        });
      }
      case "fs.mkdir":
        return makeDir(at(req.path), { parents: req.parents });
      case "fs.move":
        return movePath(root, req.project, req.from, req.to, { overwrite: req.overwrite });
      case "fs.delete":
        return empty(await deletePath(at(req.path), { recursive: req.recursive }));
      case "fs.upload_begin":
        return this.uploads.begin(at(req.path), {
          size: req.size,
          overwrite: req.overwrite,
          createParents: req.create_parents,
          mode: req.mode,
        });
      case "fs.upload_chunk": {
        const bytes = Buffer.from(req.data, "base64");
        if (bytes.length > MAX_CHUNK_BYTES)
          return fail("payload_too_large", `a chunk is at most ${MAX_CHUNK_BYTES} bytes`);
        return this.uploads.chunk(req.upload, req.offset, bytes);
      }
      case "fs.upload_commit":
        return this.uploads.commit(req.upload);
      case "fs.upload_abort":
        return this.uploads.abort(req.upload);
      case "fs.download_open":
        return this.openDownload(at(req.path));
      case "fs.download_read":
        return this.readDownload(req.download, req.max_bytes);
      case "fs.download_close":
        return this.closeDownload(req.download);
      case "fs.watch":
        return this.watch(req.project, req.include_node_modules);
      case "fs.unwatch": {
        const w = this.watches.get(req.watch);
        if (!w) return fail("not_found", "no such watch");
        w.close();
        this.watches.delete(req.watch);
        return ok({});
      }
      case "fs.create_project":
        return createProject(root, req.slug, req.files);
      case "fs.remove_project":
        return empty(await removeProject(root, req.slug));
      default:
        return fail("unknown_command", "unknown file op");
    }
  }

  private async openDownload(t: FileTarget): Promise<Result<unknown>> {
    if (this.downloads.size >= (this.opts.maxDownloads ?? 16)) return fail("busy", "too many downloads open");
    const opened = await openDownload(t);
    if (!opened.ok) return opened;
    const id = newId("d");
    this.downloads.set(id, { download: opened.value, pending: null, reading: false, lastUsed: Date.now() });
    const { kind, name, size, mtime } = opened.value;
    return ok({ download: id, kind, name, size, mtime });
  }

  /** Up to `maxBytes`; `eof` once the stream is done (the download is then closed). */
  private async readDownload(id: string, maxBytes: number): Promise<Result<{ data: string; eof: boolean }>> {
    const d = this.downloads.get(id);
    if (!d) return fail("not_found", "no such download (finished, closed or expired)");
    if (d.reading) return fail("conflict", "the previous read of this download is still running");
    d.reading = true;
    d.lastUsed = Date.now();
    const parts: Uint8Array[] = [];
    let size = 0;
    let eof = false;
    try {
      while (size < maxBytes) {
        let chunk = d.pending;
        d.pending = null;
        if (!chunk) {
          const next = await d.download.chunks.next();
          if (next.done) {
            eof = true;
            break;
          }
          chunk = next.value;
        }
        const room = maxBytes - size;
        if (chunk.length > room) {
          d.pending = chunk.subarray(room);
          chunk = chunk.subarray(0, room);
        }
        parts.push(chunk);
        size += chunk.length;
      }
    } catch (e) {
      await this.closeDownload(id);
      return fail("internal", `download failed: ${(e as Error).message}`);
    } finally {
      d.reading = false;
    }
    if (eof) await this.closeDownload(id);
    return ok({ data: Buffer.concat(parts).toString("base64"), eof });
  }

  private async closeDownload(id: string): Promise<Result<Record<string, never>>> {
    const d = this.downloads.get(id);
    if (!d) return fail("not_found", "no such download");
    this.downloads.delete(id);
    await d.download.close();
    return ok({});
  }

  private async watch(project: string, includeNodeModules: boolean): Promise<Result<{ watch: string }>> {
    if (this.watches.size >= (this.opts.maxWatches ?? 64)) return fail("busy", "too many watches");
    const id = newId("w");
    const started = await watchProject(
      this.opts.root,
      project,
      (batch) => {
        if (batch.closed) this.watches.delete(id);
        this.opts.onEvent({ event: "fs.changes", watch: id, ...batch });
      },
      { ...this.opts.watch, includeNodeModules },
    );
    if (!started.ok) return started;
    this.watches.set(id, started.value);
    return ok({ watch: id });
  }

  private async sweepDownloads() {
    const cutoff = Date.now() - (this.opts.downloadIdleMs ?? 120_000);
    for (const [id, d] of this.downloads) if (d.lastUsed < cutoff) await this.closeDownload(id);
  }

  /** The connection ended: abort uploads (removing temp files), close downloads and watches. */
  async close(): Promise<void> {
    clearInterval(this.sweeper);
    for (const w of this.watches.values()) w.close();
    this.watches.clear();
    await Promise.all([...this.downloads.keys()].map((id) => this.closeDownload(id)));
    await this.uploads.close();
  }
}

const empty = (r: Result<void>): Result<Record<string, never>> => (r.ok ? ok({}) : r);

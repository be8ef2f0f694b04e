import { promises as fsp } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { fail, ok, type Result } from "../../src/protocol/errors.ts";
import { type FileTarget, type Located, locate, openProject, release } from "./confine.ts";
import { entryOf, etagOf } from "./entry.ts";
import { ioFailure } from "./io-failure.ts";
import {
  createTemp,
  discardTemp,
  installTemp,
  NEW_DIR_MODE,
  NEW_FILE_MODE,
  refuseNonFile,
  type WrittenFile,
} from "./read-write.ts";

export interface UploadLimits {
  maxBytes: number;
  maxOpen: number;
  /** An upload with no chunk for this long is dropped with its temp file. */
  idleMs: number;
}
export const DEFAULT_UPLOAD_LIMITS: UploadLimits = {
  maxBytes: 16 * 1024 ** 3,
  maxOpen: 32,
  idleMs: 10 * 60_000,
};

export interface UploadOptions {
  /** Declared total size; commit refuses a different count. */
  size?: number;
  overwrite?: boolean;
  createParents?: boolean;
  mode?: number;
}

interface Upload {
  at: Located;
  temp: { fh: FileHandle; path: string };
  hasher: Bun.CryptoHasher;
  received: number;
  writing: boolean;
  lastUsed: number;
  opts: UploadOptions;
}

const newUploadId = () => `fsu_${Buffer.from(crypto.getRandomValues(new Uint8Array(12))).toString("hex")}`;

/**
 * Chunked uploads: `begin` creates a private temp file beside the target (holding the target's
 * folder open, so the final rename lands there whatever happens to its path), `chunk` appends at an
 * explicit offset, `commit` moves it into place atomically. A retried chunk is refused, not doubled.
 */
export class Uploads {
  private readonly open = new Map<string, Upload>();
  private readonly sweeper: ReturnType<typeof setInterval>;

  constructor(
    private readonly limits: UploadLimits = DEFAULT_UPLOAD_LIMITS,
    private readonly now: () => number = Date.now,
  ) {
    this.sweeper = setInterval(() => void this.sweep(), Math.min(limits.idleMs, 60_000));
    this.sweeper.unref();
  }

  get count(): number {
    return this.open.size;
  }

  async begin(t: FileTarget, opts: UploadOptions = {}): Promise<Result<{ upload: string }>> {
    if (this.open.size >= this.limits.maxOpen) return fail("busy", "too many uploads in progress");
    if (opts.size !== undefined && opts.size > this.limits.maxBytes) return this.tooLarge(opts.size);
    const project = await openProject(t.root, t.project);
    if (!project.ok) return project;
    let at: Located | undefined;
    let kept = false;
    try {
      const located = await locate(
        project.value,
        t.path,
        opts.createParents ? { createParents: NEW_DIR_MODE } : {},
      );
      if (!located.ok) return located;
      at = located.value;
      if (at.name === "") return fail("wrong_type", "the project folder is not a file");
      const current = await fsp.lstat(at.path).catch(() => null);
      const refused = refuseNonFile(at.rel, current);
      if (refused) return refused;
      if (current && !opts.overwrite) return fail("already_exists", `${at.rel} already exists`);
      const temp = await createTemp(at.dir);
      const id = newUploadId();
      const hasher = new Bun.CryptoHasher("sha256");
      this.open.set(id, { at, temp, hasher, received: 0, writing: false, lastUsed: this.now(), opts });
      kept = true;
      return ok({ upload: id });
    } catch (e) {
      return ioFailure(e, t.path);
    } finally {
      if (!kept && at) await release(at);
      // The upload keeps the target's folder open; that is the project's own descriptor only for a
      // file at the project's top level.
      if (!kept || at?.dir !== project.value.fd) await project.value.fd.close();
    }
  }

  async chunk(id: string, offset: number, bytes: Uint8Array): Promise<Result<{ received: number }>> {
    const up = this.open.get(id);
    if (!up) return fail("not_found", "no such upload (finished, aborted or expired)");
    if (up.writing) return fail("conflict", "the previous chunk is still being written");
    if (offset !== up.received) return fail("conflict", `expected offset ${up.received}, got ${offset}`);
    const total = up.received + bytes.length;
    const declared = up.opts.size;
    if (total > this.limits.maxBytes || (declared !== undefined && total > declared)) {
      await this.abort(id);
      return this.tooLarge(total);
    }
    up.writing = true;
    try {
      let done = 0;
      while (done < bytes.length) {
        const { bytesWritten } = await up.temp.fh.write(bytes, done, bytes.length - done, offset + done);
        done += bytesWritten;
      }
    } catch (e) {
      await this.abort(id);
      return ioFailure(e, up.at.rel);
    } finally {
      up.writing = false;
    }
    up.hasher.update(bytes);
    up.received = total;
    up.lastUsed = this.now();
    return ok({ received: total });
  }

  async commit(id: string): Promise<Result<WrittenFile>> {
    const up = this.open.get(id);
    if (!up) return fail("not_found", "no such upload (finished, aborted or expired)");
    if (up.writing) return fail("conflict", "a chunk is still being written");
    this.open.delete(id);
    const { at, temp } = up;
    try {
      if (up.opts.size !== undefined && up.received !== up.opts.size) {
        await discardTemp(temp);
        return fail("validation_failed", `received ${up.received} bytes, ${up.opts.size} were declared`);
      }
      const current = await fsp.lstat(at.path).catch(() => null);
      await temp.fh.chmod(current?.isFile() ? current.mode & 0o777 : (up.opts.mode ?? NEW_FILE_MODE));
      await temp.fh.sync();
      const st = await temp.fh.stat();
      const installed = await installTemp(at, temp.path, up.opts.overwrite ? "replace" : "create");
      if (!installed.ok) return installed;
      return ok({ ...entryOf(at.rel, st), etag: etagOf(st, up.hasher.digest("hex")) });
    } catch (e) {
      await discardTemp(temp);
      return ioFailure(e, at.rel);
    } finally {
      await this.closeHandles(up);
    }
  }

  async abort(id: string): Promise<Result<Record<string, never>>> {
    const up = this.open.get(id);
    if (!up) return fail("not_found", "no such upload (finished, aborted or expired)");
    this.open.delete(id);
    await discardTemp(up.temp);
    await this.closeHandles(up);
    return ok({});
  }

  /** Drop every upload (the server connection went away). */
  async close(): Promise<void> {
    clearInterval(this.sweeper);
    await Promise.all([...this.open.keys()].map((id) => this.abort(id)));
  }

  private async sweep() {
    const cutoff = this.now() - this.limits.idleMs;
    for (const [id, up] of this.open) if (up.lastUsed < cutoff && !up.writing) await this.abort(id);
  }

  private async closeHandles(up: Upload) {
    await up.temp.fh.close().catch(() => undefined);
    await release(up.at);
    if (up.at.dir === up.at.project.fd) await up.at.project.fd.close().catch(() => undefined);
  }

  private tooLarge(size: number) {
    return fail(
      "payload_too_large",
      `an upload of ${size} bytes is over the limit of ${this.limits.maxBytes}`,
    );
  }
}

import { type FSWatcher, promises as fsp, watch } from "node:fs";
import { join } from "node:path";
import { ok, type Result } from "../../src/protocol/errors.ts";
import type { FileChange } from "../../src/protocol/files.ts";
import { openProject } from "./confine.ts";
import { ioFailure } from "./io-failure.ts";
import { TEMP_PREFIX } from "./read-write.ts";

export interface WatchOptions {
  /** Quiet time before a batch goes out. */
  debounceMs?: number;
  /** A batch goes out at least this often while changes keep coming. */
  maxWaitMs?: number;
  /** Paths per batch; beyond it the batch says `overflow` and the client re-lists. */
  maxBatch?: number;
  includeNodeModules?: boolean;
  /** Prefixes (relative to the project) whose changes are not reported. */
  ignore?: readonly string[];
}

export interface ChangeBatch {
  changes: FileChange[];
  overflow: boolean;
  /** The watch ended (project folder gone or watcher failed); no batch follows. */
  closed?: boolean;
}

export interface ProjectWatch {
  close(): void;
}

const DEFAULT_IGNORE = [".git/objects", ".git/lfs", ".git/logs"];

/**
 * Live changes in a project folder, coalesced: each path appears once per batch, and its kind is
 * decided when the batch goes out, from whether the path exists then (inotify says "rename" for
 * both creation and deletion). Events are hints for a file tree, not a history.
 */
export async function watchProject(
  root: string,
  project: string,
  onBatch: (batch: ChangeBatch) => void,
  opts: WatchOptions = {},
): Promise<Result<ProjectWatch>> {
  const opened = await openProject(root, project);
  if (!opened.ok) return opened;
  const dir = opened.value.dir;
  await opened.value.fd.close();

  const debounceMs = opts.debounceMs ?? 100;
  const maxWaitMs = opts.maxWaitMs ?? 1000;
  const maxBatch = opts.maxBatch ?? 1000;
  const ignore = opts.ignore ?? DEFAULT_IGNORE;
  const pending = new Map<string, { renamed: boolean }>();
  let overflow = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let firstAt = 0;
  let flushing = false;
  let closed = false;

  const ignored = (rel: string) =>
    rel.split("/").some((s) => s.startsWith(TEMP_PREFIX)) ||
    (!opts.includeNodeModules && (rel === "node_modules" || rel.split("/").includes("node_modules"))) ||
    ignore.some((p) => rel === p || rel.startsWith(`${p}/`));

  const flush = async () => {
    timer = undefined;
    if (flushing || closed) return;
    flushing = true;
    const batch = [...pending];
    const wasOverflow = overflow;
    pending.clear();
    overflow = false;
    const changes: FileChange[] = [];
    for (const [path, seen] of batch) {
      const exists = await fsp.lstat(join(dir, path)).then(
        () => true,
        () => false,
      );
      changes.push({ path, kind: !exists ? "deleted" : seen.renamed ? "created" : "changed" });
    }
    const projectGone = !(await fsp.lstat(dir).then(
      (s) => s.isDirectory(),
      () => false,
    ));
    flushing = false;
    if (closed) return;
    if (changes.length || wasOverflow) onBatch({ changes, overflow: wasOverflow });
    if (projectGone) end();
    else if (pending.size || overflow) schedule();
  };

  const schedule = () => {
    const now = Date.now();
    if (!timer) firstAt = now;
    if (timer) clearTimeout(timer);
    const wait = Math.max(0, Math.min(debounceMs, firstAt + maxWaitMs - now));
    timer = setTimeout(() => void flush(), wait);
  };

  let watcher: FSWatcher;
  const end = () => {
    if (closed) return;
    closed = true;
    if (timer) clearTimeout(timer);
    watcher.close();
    onBatch({ changes: [], overflow: pending.size > 0 || overflow, closed: true });
  };

  try {
    watcher = watch(dir, { recursive: true }, (event, filename) => {
      if (closed || filename === null) return;
      const rel = String(filename).replace(/\/+$/, "");
      if (rel === "" || ignored(rel)) return;
      const seen = pending.get(rel);
      if (seen) seen.renamed ||= event === "rename";
      else if (pending.size >= maxBatch) overflow = true;
      else pending.set(rel, { renamed: event === "rename" });
      schedule();
    });
  } catch (e) {
    // ENOSPC here means the user's inotify watch limit is used up.
    return ioFailure(e, "");
  }
  watcher.on("error", () => end());
  return ok({
    close() {
      if (closed) return;
      closed = true;
      if (timer) clearTimeout(timer);
      watcher.close();
    },
  });
}

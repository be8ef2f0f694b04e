import * as v from "valibot";
import {
  type Entry,
  type FileOpResult,
  FileOpResultSchemas,
  type FilesChangesEvent,
  filesChangesEventSchema,
  UploadResultSchema,
} from "../../../src/protocol/files.ts";
import type { MuxResult } from "../api/mux-client.ts";
import { mux } from "../api/tab-mux.ts";

export type { Entry };
export type Etagged = FileOpResult<"fs.write">;
export type ReadResult = FileOpResult<"fs.read">;

export interface FilesError {
  code: string;
  message: string;
}
export type FilesResult<T> = { ok: true; value: T } | { ok: false; error: FilesError };

/** What the file views need of the server: the mux `files` channel and the HTTP bulk routes. */
export interface FilesApi {
  list(path: string): Promise<FilesResult<FileOpResult<"fs.list">>>;
  read(path: string, as?: "auto" | "base64"): Promise<FilesResult<ReadResult>>;
  /** `ifMatch`: the etag that was read; null: the file must not exist yet. */
  write(
    path: string,
    content: string,
    ifMatch: string | null | undefined,
    opts?: { createParents?: boolean },
  ): Promise<FilesResult<Etagged>>;
  mkdir(path: string): Promise<FilesResult<Entry>>;
  move(from: string, to: string): Promise<FilesResult<Entry>>;
  remove(path: string, recursive: boolean): Promise<FilesResult<Record<string, never>>>;
  /** Follow changes (re-established after every reconnect, with `overflow` so views re-list). */
  watch(onChanges: (e: FilesChangesEvent) => void): () => void;
  downloadUrl(path: string): string;
}

async function call<Op extends keyof typeof FileOpResultSchemas>(
  op: Op,
  cmd: string,
  body: Record<string, unknown>,
): Promise<FilesResult<FileOpResult<Op>>> {
  const r: MuxResult = await mux().request("files", cmd, body);
  if (!r.ok) return { ok: false, error: r.error };
  const parsed = v.safeParse(FileOpResultSchemas[op], r.data);
  if (!parsed.success)
    return { ok: false, error: { code: "validation_failed", message: `unexpected answer to ${cmd}` } };
  return { ok: true, value: parsed.output as FileOpResult<Op> };
}

/**
 * The server keeps one watch per project and socket, so views of the same project on this tab
 * share it: the first starts it, the last one out ends it, and a reconnect starts it again.
 */
const watchers = new Map<string, { count: number; offOpen: () => void }>();

function retainWatch(projectId: string) {
  const held = watchers.get(projectId);
  if (held) {
    held.count++;
    return;
  }
  const client = mux();
  const start = () => void client.request("files", "watch", { project_id: projectId });
  const offOpen = client.onOpen(start);
  watchers.set(projectId, { count: 1, offOpen });
  start();
}

function releaseWatch(projectId: string) {
  const held = watchers.get(projectId);
  if (!held || --held.count > 0) return;
  watchers.delete(projectId);
  held.offOpen();
  void mux().request("files", "unwatch", { project_id: projectId });
}

export function filesApi(projectId: string): FilesApi {
  const p = { project_id: projectId };
  return {
    list: (path) => call("fs.list", "list", { ...p, path }),
    read: (path, as = "auto") => call("fs.read", "read", { ...p, path, as }),
    write: (path, content, ifMatch, opts) =>
      call("fs.write", "write", {
        ...p,
        path,
        content,
        ...(ifMatch === undefined ? {} : { if_match: ifMatch }),
        ...(opts?.createParents ? { create_parents: true } : {}),
      }),
    mkdir: (path) => call("fs.mkdir", "mkdir", { ...p, path }),
    move: (from, to) => call("fs.move", "move", { ...p, from, to }),
    remove: (path, recursive) => call("fs.delete", "delete", { ...p, path, recursive }),
    watch(onChanges) {
      const client = mux();
      const offFrames = client.onChannel("files", (frame) => {
        const e = v.safeParse(filesChangesEventSchema, frame);
        if (e.success && e.output.project_id === projectId) onChanges(e.output);
      });
      // A new socket has no watch: the first watcher starts one; everyone re-lists after a reconnect
      // (the server cannot say what was missed while the socket was down).
      const offOpen = client.onOpen(() =>
        onChanges({ ch: "files", event: "changes", project_id: projectId, changes: [], overflow: true }),
      );
      retainWatch(projectId);
      return () => {
        offFrames();
        offOpen();
        releaseWatch(projectId);
      };
    },
    downloadUrl: (path) =>
      `/api/projects/${encodeURIComponent(projectId)}/files/download?path=${encodeURIComponent(path)}`,
  };
}

export interface UploadProgress {
  loaded: number;
  total: number;
}

/**
 * Upload files into `folder` (multipart; names may hold `sub/dir/name` from a dropped folder).
 * XMLHttpRequest, because fetch cannot report upload progress.
 */
export function uploadFiles(
  projectId: string,
  folder: string,
  files: { file: File; name: string }[],
  opts: { overwrite?: boolean; onProgress?: (p: UploadProgress) => void; signal?: AbortSignal } = {},
): Promise<FilesResult<v.InferOutput<typeof UploadResultSchema>>> {
  const form = new FormData();
  for (const f of files) form.append("files", f.file, f.name);
  const query = new URLSearchParams({ path: folder, overwrite: opts.overwrite ? "1" : "0" });
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `/api/projects/${encodeURIComponent(projectId)}/files/upload?${query}`);
    xhr.responseType = "json";
    xhr.upload.onprogress = (e) => opts.onProgress?.({ loaded: e.loaded, total: e.total });
    xhr.onload = () => {
      const body = xhr.response as { error?: FilesError } | null;
      if (xhr.status !== 200) {
        resolve({
          ok: false,
          error: body?.error ?? { code: "internal", message: `the server answered ${xhr.status}` },
        });
        return;
      }
      const parsed = v.safeParse(UploadResultSchema, body);
      resolve(
        parsed.success
          ? { ok: true, value: parsed.output }
          : { ok: false, error: { code: "validation_failed", message: "unexpected upload answer" } },
      );
    };
    xhr.onerror = () =>
      resolve({ ok: false, error: { code: "network", message: "the upload was interrupted" } });
    xhr.onabort = () =>
      resolve({ ok: false, error: { code: "network", message: "the upload was cancelled" } });
    opts.signal?.addEventListener("abort", () => xhr.abort());
    xhr.send(form);
  });
}

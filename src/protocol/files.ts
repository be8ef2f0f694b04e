import * as v from "valibot";
import { decode } from "./decode.ts";
import { fail, ok, type Result } from "./errors.ts";
import { idSchema } from "./ids.ts";

/**
 * Project file operations: what the server asks a user's octo-runner to do with files in one project
 * folder (runner ops `fs.*`), and what the browser asks of the server on the mux `files` channel.
 *
 * The server never names a filesystem path: it sends a project folder name and a path relative to
 * it. The runner supplies its own workspace root and confines every path to the project (no `..`,
 * no absolute paths, no control characters, no symlink escape). The same lexical rules are checked
 * here, at every boundary, and again by the runner's library.
 *
 * Bulk bytes travel in bounded chunks: uploads as begin/chunk/commit, downloads as a stream the
 * server pulls (`fs.download_read`) so a slow browser slows the runner instead of filling memory.
 */

/** Text files opened in the editor travel inline; anything larger goes through download/upload. */
export const MAX_INLINE_BYTES = 2 * 1024 * 1024;
/** One upload chunk or download read, decoded; base64 of it fits well inside a 4 MB runner line. */
export const MAX_CHUNK_BYTES = 1024 * 1024;
export const MAX_PATH_BYTES = 4096;
export const MAX_NAME_BYTES = 255;
export const MAX_PATH_DEPTH = 64;
export const MAX_LIST_ENTRIES = 20_000;

const utf8Length = (s: string) => new TextEncoder().encode(s).length;
// biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * Why a project-relative path is unacceptable, or undefined when it is fine. `""` is the project
 * folder itself. Segments are separated by `/`; empty, `.` and `..` segments are refused rather than
 * normalised, so a path means exactly one thing.
 */
export function relativePathProblem(path: string): string | undefined {
  if (path === "") return undefined;
  if (path.includes("\0")) return "path contains NUL";
  if (CONTROL.test(path)) return "path contains a control character";
  if (path.startsWith("/")) return "path must be relative to the project";
  if (utf8Length(path) > MAX_PATH_BYTES) return `path is longer than ${MAX_PATH_BYTES} bytes`;
  const segments = path.split("/");
  if (segments.length > MAX_PATH_DEPTH) return `path is deeper than ${MAX_PATH_DEPTH} levels`;
  for (const s of segments) {
    if (s === "") return "path has an empty segment (// or a trailing /)";
    if (s === "." || s === "..") return "path must not contain . or .. segments";
    if (utf8Length(s) > MAX_NAME_BYTES) return `a path segment is longer than ${MAX_NAME_BYTES} bytes`;
  }
  return undefined;
}

/**
 * A project folder inside the runner's workspace: one segment, or its owner's folder and one segment
 * (single-user mode keeps each platform user's projects apart); never hidden, never `.`/`..`.
 */
export const PROJECT_FOLDER_PATTERN =
  /^(?:[A-Za-z0-9][A-Za-z0-9._-]{0,99}\/)?[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
export const projectFolder = v.pipe(
  v.string(),
  v.regex(
    PROJECT_FOLDER_PATTERN,
    "a project folder: [owner/]name, each 1-100 chars of A-Z a-z 0-9 . _ -, not starting with .",
  ),
);
export const relativePath = v.pipe(
  v.string(),
  v.check(
    (p) => relativePathProblem(p) === undefined,
    "a relative path without .., //, NUL or control chars",
  ),
);
const nonRootPath = v.pipe(relativePath, v.minLength(1, "the project folder itself is not allowed here"));
const base64 = v.pipe(v.string(), v.regex(/^[A-Za-z0-9+/]*={0,2}$/, "base64 bytes"));
const fileMode = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(0o777));
const size = v.pipe(v.number(), v.integer(), v.minValue(0));
/** `<mtime µs>-<size>-<sha256 prefix>`, opaque to clients. */
export const etag = v.pipe(v.string(), v.regex(/^[0-9a-z]+-[0-9a-z]+-[0-9a-f]{16}$/, "an etag"));
export const streamId = (kind: "u" | "d" | "w") =>
  v.pipe(v.string(), v.regex(new RegExp(`^fs${kind}_[0-9a-f]{24}$`), `an fs${kind}_ id`));

export const ENTRY_TYPES = ["file", "dir", "symlink", "other"] as const;
export const EntrySchema = v.strictObject({
  name: v.string(),
  /** Relative to the project; `""` for the project folder. */
  path: v.string(),
  type: v.picklist(ENTRY_TYPES),
  size,
  /** ms since the epoch */
  mtime: v.number(),
  /** permission bits, e.g. 0o644 = 420 */
  mode: v.number(),
  /** Symlinks are shown as links; reads follow them only to a file inside the project, writes never. */
  link: v.optional(v.strictObject({ target: v.string(), inside: v.boolean() })),
  /** `.octo/` and everything in it: editable here, read-only for the agent inside its sandbox. */
  agent_readonly: v.optional(v.literal(true)),
});
export type Entry = v.InferOutput<typeof EntrySchema>;

const inProject = { project: projectFolder };

/** Parameters of each runner file op (the runner adds its own `id` and `op` envelope). */
export const FileOpParamsSchemas = {
  "fs.list": v.strictObject({ ...inProject, path: relativePath }),
  "fs.stat": v.strictObject({ ...inProject, path: relativePath }),
  /** `as: "auto"` gives utf8 for valid UTF-8 without NUL, base64 otherwise. */
  "fs.read": v.strictObject({
    ...inProject,
    path: nonRootPath,
    as: v.optional(v.picklist(["auto", "base64"]), "auto"),
    max_bytes: v.optional(v.pipe(size, v.maxValue(MAX_INLINE_BYTES)), MAX_INLINE_BYTES),
  }),
  /**
   * Atomic replace (temp file + rename in the same folder, mode preserved). `if_match`: the etag the
   * client read, `null` for "must not exist yet"; a mismatch is `conflict` with the current etag.
   */
  "fs.write": v.strictObject({
    ...inProject,
    path: nonRootPath,
    content: v.pipe(v.string(), v.maxLength(Math.ceil((MAX_INLINE_BYTES * 4) / 3) + 4)),
    encoding: v.optional(v.picklist(["utf8", "base64"]), "utf8"),
    if_match: v.optional(v.nullable(etag)),
    create_parents: v.optional(v.boolean(), false),
    mode: v.optional(fileMode),
  }),
  "fs.mkdir": v.strictObject({ ...inProject, path: nonRootPath, parents: v.optional(v.boolean(), false) }),
  "fs.move": v.strictObject({
    ...inProject,
    from: nonRootPath,
    to: nonRootPath,
    overwrite: v.optional(v.boolean(), false),
  }),
  "fs.delete": v.strictObject({ ...inProject, path: nonRootPath, recursive: v.optional(v.boolean(), false) }),
  "fs.upload_begin": v.strictObject({
    ...inProject,
    path: nonRootPath,
    /** Declared total; commit refuses a different byte count. */
    size: v.optional(size),
    overwrite: v.optional(v.boolean(), false),
    create_parents: v.optional(v.boolean(), true),
    mode: v.optional(fileMode),
  }),
  /** `offset` must equal the bytes received so far: a retried or reordered chunk is refused, not doubled. */
  "fs.upload_chunk": v.strictObject({ upload: streamId("u"), offset: size, data: base64 }),
  "fs.upload_commit": v.strictObject({ upload: streamId("u") }),
  "fs.upload_abort": v.strictObject({ upload: streamId("u") }),
  /** A file streams as itself, a folder as a zip (symlinks and special files are left out). */
  "fs.download_open": v.strictObject({ ...inProject, path: relativePath }),
  "fs.download_read": v.strictObject({
    download: streamId("d"),
    max_bytes: v.optional(v.pipe(size, v.minValue(1), v.maxValue(MAX_CHUNK_BYTES)), MAX_CHUNK_BYTES),
  }),
  "fs.download_close": v.strictObject({ download: streamId("d") }),
  "fs.watch": v.strictObject({ ...inProject, include_node_modules: v.optional(v.boolean(), false) }),
  "fs.unwatch": v.strictObject({ watch: streamId("w") }),
  /** Template files are text, keyed by relative path. Dirs 0700, files 0644, owned by the runner's user. */
  "fs.create_project": v.strictObject({
    slug: projectFolder,
    files: v.pipe(
      v.record(relativePath, v.pipe(v.string(), v.maxLength(MAX_INLINE_BYTES))),
      v.check((f) => Object.keys(f).length <= 1000, "at most 1000 files"),
    ),
  }),
  "fs.remove_project": v.strictObject({ slug: projectFolder }),
} as const;
export type FileOp = keyof typeof FileOpParamsSchemas;
export const FILE_OPS = Object.keys(FileOpParamsSchemas) as FileOp[];
export type FileOpParams<Op extends FileOp> = v.InferOutput<(typeof FileOpParamsSchemas)[Op]>;
export type FileOpInput<Op extends FileOp> = v.InferInput<(typeof FileOpParamsSchemas)[Op]>;

export type FileRequest = { [Op in FileOp]: { op: Op } & FileOpParams<Op> }[FileOp];
export const isFileOp = (s: unknown): s is FileOp =>
  typeof s === "string" && Object.hasOwn(FileOpParamsSchemas, s);

/** Decode `{op, …params}` (any extra envelope field such as a request `id` must be removed first). */
export function parseFileRequest(raw: unknown): Result<FileRequest> {
  if (typeof raw !== "object" || raw === null) return fail("bad_request", "a file request is an object");
  const { op, ...params } = raw as Record<string, unknown>;
  if (!isFileOp(op)) return fail("unknown_command", `unknown file op: ${String(op)}`);
  const parsed = decode(FileOpParamsSchemas[op], params, op);
  return parsed.ok ? ok({ op, ...parsed.value } as FileRequest) : parsed;
}

const withEtag = v.strictObject({ ...EntrySchema.entries, etag });
export const FileOpResultSchemas = {
  "fs.list": v.strictObject({ path: v.string(), entries: v.array(EntrySchema), truncated: v.boolean() }),
  "fs.stat": EntrySchema,
  "fs.read": v.strictObject({
    ...EntrySchema.entries,
    etag,
    encoding: v.picklist(["utf8", "base64"]),
    content: v.string(),
  }),
  "fs.write": withEtag,
  "fs.mkdir": EntrySchema,
  "fs.move": EntrySchema,
  "fs.delete": v.strictObject({}),
  "fs.upload_begin": v.strictObject({ upload: streamId("u") }),
  "fs.upload_chunk": v.strictObject({ received: size }),
  "fs.upload_commit": withEtag,
  "fs.upload_abort": v.strictObject({}),
  "fs.download_open": v.strictObject({
    download: streamId("d"),
    kind: v.picklist(["file", "zip"]),
    /** File name for Content-Disposition: the file's own name, or `<folder>.zip`. */
    name: v.string(),
    /** Exact byte count for a file; null for a zip (its size is known only at the end). */
    size: v.nullable(size),
    mtime: v.number(),
  }),
  /** `eof: true` closes the stream; `data` may be empty only then. */
  "fs.download_read": v.strictObject({ data: base64, eof: v.boolean() }),
  "fs.download_close": v.strictObject({}),
  "fs.watch": v.strictObject({ watch: streamId("w") }),
  "fs.unwatch": v.strictObject({}),
  "fs.create_project": v.strictObject({ slug: v.string(), files: v.number() }),
  "fs.remove_project": v.strictObject({}),
} satisfies Record<FileOp, v.GenericSchema>;
export type FileOpResult<Op extends FileOp> = v.InferOutput<(typeof FileOpResultSchemas)[Op]>;

export const CHANGE_KINDS = ["created", "changed", "deleted"] as const;
export const FileChangeSchema = v.strictObject({ path: v.string(), kind: v.picklist(CHANGE_KINDS) });
export type FileChange = v.InferOutput<typeof FileChangeSchema>;

/**
 * Pushed by the runner for a watch (no request id). Best-effort hints, not history: `overflow` means
 * some changes were dropped and the client should re-list what it shows; `closed` ends the watch
 * (the project folder went away, or the watcher failed).
 */
export const FileWatchEventSchema = v.strictObject({
  event: v.literal("fs.changes"),
  watch: streamId("w"),
  changes: v.array(FileChangeSchema),
  overflow: v.boolean(),
  closed: v.optional(v.boolean()),
});
export type FileWatchEvent = v.InferOutput<typeof FileWatchEventSchema>;

// ---------------------------------------------------------------- mux `files` channel

const projectId = { project_id: idSchema("prj") };
const fcmd = <const N extends string, const E extends v.ObjectEntries>(name: N, entries: E) =>
  v.strictObject({ cmd: v.literal(name), ...projectId, ...entries });
const params = <Op extends FileOp>(op: Op) => {
  const { project: _omit, ...rest } = FileOpParamsSchemas[op].entries as Record<string, v.GenericSchema>;
  return rest as Omit<(typeof FileOpParamsSchemas)[Op]["entries"], "project">;
};

/**
 * Client → server on `{ch:"files", id, cmd, project_id, …}`; each `data` is the runner op's result.
 * Uploads and downloads are HTTP (below): bulk bytes do not belong on the shared socket.
 */
export const filesCommandSchemas = {
  list: fcmd("list", params("fs.list")),
  stat: fcmd("stat", params("fs.stat")),
  read: fcmd("read", params("fs.read")),
  write: fcmd("write", params("fs.write")),
  mkdir: fcmd("mkdir", params("fs.mkdir")),
  move: fcmd("move", params("fs.move")),
  delete: fcmd("delete", params("fs.delete")),
  /** → `{watch}`; then `files` events `changes` for this project until `unwatch` or the socket closes. */
  watch: fcmd("watch", params("fs.watch")),
  unwatch: fcmd("unwatch", {}),
} as const;
export type FilesCommandName = keyof typeof filesCommandSchemas;
export type FilesCommand = v.InferOutput<(typeof filesCommandSchemas)[FilesCommandName]>;
export const isFilesCommandName = (s: string): s is FilesCommandName => Object.hasOwn(filesCommandSchemas, s);

/** The runner op behind each mux command. */
export const FILES_COMMAND_OPS = {
  list: "fs.list",
  stat: "fs.stat",
  read: "fs.read",
  write: "fs.write",
  mkdir: "fs.mkdir",
  move: "fs.move",
  delete: "fs.delete",
  watch: "fs.watch",
  unwatch: "fs.unwatch",
} as const satisfies Record<FilesCommandName, FileOp>;

/** Decode the body of a mux `files` frame (what `decodeClientFrame` passes through undecoded). */
export function parseFilesCommand(cmd: string, body: Record<string, unknown>): Result<FilesCommand> {
  if (!isFilesCommandName(cmd)) return fail("unknown_command", `unknown files command: ${cmd}`);
  return decode(filesCommandSchemas[cmd], { ...body, cmd }, cmd);
}

/**
 * The runner request for a mux command, once the server has checked that `project_id` is the
 * caller's and looked up its folder. `unwatch` is the server's own bookkeeping (it owns the runner
 * watch ids), so it has no direct runner request here.
 */
export function toFileRequest(command: FilesCommand, projectFolderName: string): FileRequest | undefined {
  if (command.cmd === "unwatch") return undefined;
  const { cmd, project_id: _id, ...params } = command;
  return { op: FILES_COMMAND_OPS[cmd], project: projectFolderName, ...params } as FileRequest;
}

/** Server → client: `{ch:"files", event:"changes", project_id, changes, overflow, closed?}`. */
export const filesChangesEventSchema = v.strictObject({
  ch: v.literal("files"),
  event: v.literal("changes"),
  ...projectId,
  changes: v.array(FileChangeSchema),
  overflow: v.boolean(),
  closed: v.optional(v.boolean()),
});
export type FilesChangesEvent = v.InferOutput<typeof filesChangesEventSchema>;

// ---------------------------------------------------------------- HTTP routes for bulk bytes

/**
 * `GET /api/projects/:project_id/files/download?path=…` → the file, or `<folder>.zip`, streamed.
 * `POST /api/projects/:project_id/files/upload?path=<folder>&overwrite=0|1` with a multipart body:
 * every file part is written to `<folder>/<part filename>` (the filename may hold `a/b.txt` from a
 * dropped folder and is checked like any path) → `{files: Entry[]}`.
 */
export const DownloadQuerySchema = v.strictObject({ path: v.optional(relativePath, "") });
export const UploadQuerySchema = v.strictObject({
  path: v.optional(relativePath, ""),
  overwrite: v.optional(v.picklist(["0", "1"]), "0"),
});
export const UploadResultSchema = v.strictObject({ files: v.array(withEtag) });

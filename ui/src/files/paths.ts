import { type FileChange, relativePathProblem } from "../../../src/protocol/files.ts";

/** Pure helpers for the file views: project-relative paths (`""` is the project folder). */

export const parentOf = (path: string): string => {
  const i = path.lastIndexOf("/");
  return i < 0 ? "" : path.slice(0, i);
};
export const baseName = (path: string): string => path.slice(path.lastIndexOf("/") + 1);
export const joinPath = (dir: string, name: string): string => (dir ? `${dir}/${name}` : name);
/** `path` is `dir` or inside it. */
export const isWithin = (path: string, dir: string): boolean =>
  dir === "" || path === dir || path.startsWith(`${dir}/`);

/** Why a name typed by the user cannot be used, or undefined. Sub-folders (`a/b.txt`) are fine. */
export function nameProblem(name: string): string | undefined {
  if (name.trim() === "") return "Type a name.";
  if (name !== name.trim()) return "Names cannot start or end with spaces.";
  const p = relativePathProblem(name);
  return p ? `Not a usable name: ${p}.` : undefined;
}

/**
 * Which loaded folders to re-list after a batch of changes: the parent of every changed path, or
 * every loaded folder after an overflow. Deleted folders are dropped rather than re-listed.
 */
export function foldersToRefresh(
  changes: readonly FileChange[],
  overflow: boolean,
  loaded: readonly string[],
): { reload: string[]; drop: string[] } {
  const drop = loaded.filter((dir) =>
    changes.some((c) => c.kind === "deleted" && dir !== "" && isWithin(dir, c.path)),
  );
  const alive = loaded.filter((d) => !drop.includes(d));
  if (overflow) return { reload: alive, drop };
  const parents = new Set(changes.map((c) => parentOf(c.path)));
  return { reload: alive.filter((d) => parents.has(d)), drop };
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });

/** Folders first, then by name as people sort (`file2` before `file10`). */
export function sortEntries<T extends { name: string; type: string }>(entries: readonly T[]): T[] {
  return [...entries].sort((a, b) => {
    const ad = a.type === "dir" ? 0 : 1;
    const bd = b.type === "dir" ? 0 : 1;
    return ad - bd || collator.compare(a.name, b.name);
  });
}

const EXT_LANG: Record<string, string> = {
  ts: "typescript",
  tsx: "typescript",
  mts: "typescript",
  cts: "typescript",
  js: "javascript",
  jsx: "javascript",
  mjs: "javascript",
  cjs: "javascript",
  json: "json",
  jsonl: "json",
  md: "markdown",
  markdown: "markdown",
  py: "python",
  rs: "rust",
  go: "go",
  sh: "bash",
  bash: "bash",
  zsh: "bash",
  css: "css",
  scss: "scss",
  html: "xml",
  htm: "xml",
  xml: "xml",
  svg: "xml",
  toml: "ini",
  ini: "ini",
  yaml: "yaml",
  yml: "yaml",
  sql: "sql",
  c: "c",
  h: "c",
  cpp: "cpp",
  hpp: "cpp",
  java: "java",
  kt: "kotlin",
  rb: "ruby",
  php: "php",
  diff: "diff",
  patch: "diff",
};
const NAME_LANG: Record<string, string> = { Dockerfile: "dockerfile", Makefile: "makefile" };

/** The highlight.js language for a file name, or undefined for plain text. */
export function languageOf(name: string): string | undefined {
  if (NAME_LANG[name]) return NAME_LANG[name];
  const dot = name.lastIndexOf(".");
  return dot > 0 ? EXT_LANG[name.slice(dot + 1).toLowerCase()] : undefined;
}

const IMAGE_TYPES: Record<string, string> = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  svg: "image/svg+xml",
  avif: "image/avif",
  ico: "image/x-icon",
  bmp: "image/bmp",
};

export function imageTypeOf(name: string): string | undefined {
  const dot = name.lastIndexOf(".");
  return dot > 0 ? IMAGE_TYPES[name.slice(dot + 1).toLowerCase()] : undefined;
}
export const isMarkdown = (name: string): boolean => languageOf(name) === "markdown";

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let n = bytes / 1024;
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n < 10 ? n.toFixed(1) : Math.round(n)} ${units[i]}`;
}

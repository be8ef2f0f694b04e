import { createHash } from "node:crypto";
import { existsSync, promises as fsp, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { newId } from "../../src/protocol/ids.ts";
import type { Checkpoint } from "../../src/protocol/review.ts";
import { type GitTarget, git, gitOk, text } from "./git.ts";

/** git's empty tree: the "before" of a project that had no files. */
export const EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";

/** Never checkpointed: dependencies, build output, and our own restore staging. */
export const DEFAULT_EXCLUDES = [
  ".git",
  "node_modules/",
  "dist/",
  "build/",
  "target/",
  ".next/",
  ".nuxt/",
  ".cache/",
  "__pycache__/",
  ".venv/",
  "/.octo/.restore/",
];

export interface StoreLimits {
  /** A file larger than this is left out of checkpoints (and named in the checkpoint's `skipped`). */
  maxFileBytes: number;
  /** Prune oldest checkpoints while the store is larger than this. */
  maxStoreBytes: number;
  /** Prune checkpoints older than this. */
  maxAgeMs: number;
  /** How often a checkpoint also prunes. */
  pruneEveryMs: number;
}

export const DEFAULT_LIMITS: StoreLimits = {
  maxFileBytes: 10 << 20,
  maxStoreBytes: 2 << 30,
  maxAgeMs: 30 * 24 * 3600_000,
  pruneEveryMs: 24 * 3600_000,
};

/** The runner's state directory: never bound into a sandbox (only one session's agent dir is). */
export function checkpointsRoot(env: Record<string, string | undefined> = process.env): string {
  const base = env.XDG_STATE_HOME || join(env.HOME || homedir(), ".local", "state");
  return join(base, "octo", "checkpoints");
}

/** One project's store: `<root>/<sha256(project path)[:16]>/{git/, index, records.jsonl, journal.json}`. */
export const storeDirFor = (projectDir: string, root = checkpointsRoot()): string =>
  join(root, createHash("sha256").update(resolve(projectDir)).digest("hex").slice(0, 16));

/** `/path` as an exclude pattern that matches exactly that path (glob characters escaped). */
const exactPattern = (path: string): string => `/${path.replace(/[\\*?[\]!# ]/g, (c) => `\\${c}`)}`;

/**
 * A private git object store per project: each checkpoint is a tree of the project's files
 * (symlinks as links, never followed; file modes kept), content-addressed, so a turn that changed
 * three files adds three blobs and a few trees. The store has its own index (git's stat cache: an
 * unchanged file is not read again) and its own excludes; the project's `.gitignore` files apply too.
 */
export class CheckpointStore {
  readonly dir: string;
  readonly target: GitTarget;
  private lock: Promise<unknown> = Promise.resolve();
  private records: Checkpoint[] | null = null;

  constructor(
    readonly projectDir: string,
    readonly limits: StoreLimits = DEFAULT_LIMITS,
    root = checkpointsRoot(),
  ) {
    this.projectDir = resolve(projectDir);
    this.dir = storeDirFor(this.projectDir, root);
    this.target = {
      gitDir: join(this.dir, "git"),
      workTree: this.projectDir,
      indexFile: join(this.dir, "index"),
    };
  }

  get journalFile(): string {
    return join(this.dir, "journal.json");
  }
  private get recordsFile(): string {
    return join(this.dir, "records.jsonl");
  }
  private get largeFile(): string {
    return join(this.dir, "large-excludes");
  }

  /** One operation at a time per store (they share the index and the journal). */
  exclusive<T>(f: () => Promise<T>): Promise<T> {
    const run = this.lock.then(f, f);
    this.lock = run.catch(() => {});
    return run;
  }

  async init(): Promise<void> {
    if (existsSync(join(this.target.gitDir, "HEAD"))) return;
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    await fsp.chmod(this.dir, 0o700);
    await gitOk({ gitDir: this.target.gitDir }, ["init", "-q", "--bare", this.target.gitDir], {
      cwd: this.dir,
    });
    const cfg = (k: string, val: string) => gitOk({ gitDir: this.target.gitDir }, ["config", k, val]);
    await cfg("core.bare", "false");
    await cfg("core.autocrlf", "false");
    await cfg("core.untrackedCache", "true");
    await cfg("core.excludesFile", this.largeFile);
    await cfg("gc.auto", "0");
    await cfg("index.version", "4");
    writeFileSync(join(this.target.gitDir, "info", "exclude"), `${DEFAULT_EXCLUDES.join("\n")}\n`);
    writeFileSync(this.largeFile, "");
    writeFileSync(join(this.dir, "project"), `${this.projectDir}\n`);
  }

  /** Everything recorded, oldest first. */
  list(): Checkpoint[] {
    if (this.records) return this.records;
    const out: Checkpoint[] = [];
    if (existsSync(this.recordsFile))
      for (const line of readFileSync(this.recordsFile, "utf8").split("\n"))
        if (line.trim())
          try {
            out.push(JSON.parse(line) as Checkpoint);
          } catch {
            // a torn last line (killed mid-append): the checkpoint before it stands
          }
    this.records = out;
    return out;
  }

  byId(id: string): Checkpoint | undefined {
    return this.list().find((c) => c.id === id);
  }

  /** The tree of the files as they are now, written to the store (objects kept only if recorded). */
  async snapshot(): Promise<{ tree: string; skipped: string[] }> {
    await this.init();
    const stillLarge = await this.refreshLarge();
    // `--verbose` names each file it (re)hashed: the only ones the size cap needs to look at.
    const add = await git(this.target, ["add", "-A", "--verbose", "--ignore-errors", "--", "."]);
    if (add.code !== 0 && add.code !== 1)
      throw new Error(`git add failed (${add.code}): ${add.stderr.trim().slice(0, 500)}`);
    const added = text(add)
      .split("\n")
      .flatMap((l) => (l.startsWith("add '") && l.endsWith("'") ? [l.slice(5, -1)] : []));
    const skipped = await this.enforceFileCap(added, stillLarge);
    const tree = (await gitOk(this.target, ["write-tree"])).trim();
    return { tree, skipped };
  }

  /** A checkpoint of the files now, recorded (the newest record is reused when nothing changed). */
  take(
    reason: Checkpoint["reason"],
    meta: { session?: string; client_id?: string } = {},
  ): Promise<Checkpoint> {
    return this.exclusive(() => this.takeLocked(reason, meta));
  }

  async takeLocked(
    reason: Checkpoint["reason"],
    meta: { session?: string; client_id?: string } = {},
  ): Promise<Checkpoint> {
    const { tree, skipped } = await this.snapshot();
    const cp: Checkpoint = {
      id: newId("cpt"),
      tree,
      reason,
      at: Date.now(),
      ...(meta.session ? { session: meta.session } : {}),
      ...(meta.client_id ? { client_id: meta.client_id } : {}),
      ...(skipped.length ? { skipped } : {}),
    };
    // The ref keeps the tree's objects through a prune; the record says what it was.
    const refDir = join(this.target.gitDir, "refs", "octo");
    mkdirSync(refDir, { recursive: true });
    writeFileSync(join(refDir, cp.id), `${tree}\n`);
    const records = this.list(); // read before appending, so the new line is not counted twice
    await fsp.appendFile(this.recordsFile, `${JSON.stringify(cp)}\n`, { mode: 0o600 });
    records.push(cp);
    await this.maybePrune();
    return cp;
  }

  /** Files added or grown past the cap since the last write-tree leave the index and are excluded. */
  /** Files left out for their size that are back under the cap are taken again (before `git add`). */
  private async refreshLarge(): Promise<string[]> {
    const large = readFileSync(this.largeFile, "utf8").split("\n").filter(Boolean);
    if (large.length === 0) return [];
    const still: string[] = [];
    for (const pattern of large) {
      const path = pattern.slice(1).replace(/\\(.)/g, "$1");
      const st = await fsp.lstat(join(this.projectDir, path)).catch(() => null);
      if (st?.isFile() && st.size > this.limits.maxFileBytes) still.push(path);
    }
    if (still.length !== large.length) this.writeLarge(still);
    return still;
  }

  /** Files added or grown past the cap leave the index and join the excludes. */
  private async enforceFileCap(changed: string[], large: string[]): Promise<string[]> {
    const over: string[] = [];
    for (const path of changed) {
      const st = await fsp.lstat(join(this.projectDir, path)).catch(() => null);
      if (st?.isFile() && st.size > this.limits.maxFileBytes) over.push(path);
    }
    if (over.length === 0) return large;
    await gitOk(this.target, ["rm", "--cached", "-q", "--pathspec-from-file=-", "--pathspec-file-nul"], {
      stdin: `${over.join("\0")}\0`,
    });
    const all = [...new Set([...large, ...over])].sort();
    this.writeLarge(all);
    return all;
  }

  private writeLarge(paths: string[]): void {
    writeFileSync(this.largeFile, paths.map(exactPattern).join("\n") + (paths.length ? "\n" : ""));
  }

  private async maybePrune(): Promise<void> {
    const stamp = join(this.dir, "pruned-at");
    const last = existsSync(stamp) ? Number(readFileSync(stamp, "utf8")) || 0 : 0;
    if (last === 0) writeFileSync(stamp, String(Date.now()));
    else if (Date.now() - last > this.limits.pruneEveryMs) await this.pruneLocked();
  }

  prune(opts: { maxAgeMs?: number; maxBytes?: number } = {}) {
    return this.exclusive(() => this.pruneLocked(opts));
  }

  /** Drop checkpoints older than the age limit, then the oldest while over the size limit; the newest stays. */
  async pruneLocked(
    opts: { maxAgeMs?: number; maxBytes?: number } = {},
  ): Promise<{ removed: number; bytes: number }> {
    await this.init();
    const maxAge = opts.maxAgeMs ?? this.limits.maxAgeMs;
    const maxBytes = opts.maxBytes ?? this.limits.maxStoreBytes;
    const records = [...this.list()];
    const now = Date.now();
    let keep = records.filter((c, i) => i === records.length - 1 || now - c.at <= maxAge);
    let removed = records.length - keep.length;
    await this.dropRefs(records, keep);
    let bytes = await this.sizeBytes();
    while (bytes > maxBytes && keep.length > 1) {
      const drop = Math.max(1, Math.floor(keep.length / 4));
      const next = keep.slice(drop);
      await this.dropRefs(keep, next);
      removed += keep.length - next.length;
      keep = next;
      bytes = await this.sizeBytes();
    }
    writeFileSync(join(this.dir, "pruned-at"), String(Date.now()));
    return { removed, bytes };
  }

  private async dropRefs(before: Checkpoint[], after: Checkpoint[]): Promise<void> {
    if (before.length === after.length) return;
    const kept = new Set(after.map((c) => c.id));
    for (const c of before)
      if (!kept.has(c.id)) await fsp.rm(join(this.target.gitDir, "refs", "octo", c.id), { force: true });
    const tmp = `${this.recordsFile}.tmp`;
    writeFileSync(tmp, after.map((c) => `${JSON.stringify(c)}\n`).join(""), { mode: 0o600 });
    await fsp.rename(tmp, this.recordsFile);
    this.records = [...after];
    await gitOk(this.target, ["repack", "-a", "-d", "-q"]);
    await gitOk(this.target, ["prune", "--expire=now"]);
  }

  async sizeBytes(): Promise<number> {
    const out = await gitOk(this.target, ["count-objects", "-v"]);
    const kib = (k: string) => Number(out.match(new RegExp(`^${k}: (\\d+)`, "m"))?.[1] ?? 0);
    return (kib("size") + kib("size-pack")) * 1024;
  }
}

const stores = new Map<string, CheckpointStore>();

/** The one store object per project in this runner (its lock must be shared). */
export function storeFor(projectDir: string): CheckpointStore {
  const key = resolve(projectDir);
  let s = stores.get(key);
  if (!s) {
    s = new CheckpointStore(key, limitsFromEnv());
    stores.set(key, s);
  }
  return s;
}

function limitsFromEnv(env = process.env): StoreLimits {
  const n = (v: string | undefined, d: number) => (v && Number.isFinite(Number(v)) ? Number(v) : d);
  return {
    maxFileBytes: n(env.OCTO_CHECKPOINT_MAX_FILE_BYTES, DEFAULT_LIMITS.maxFileBytes),
    maxStoreBytes: n(env.OCTO_CHECKPOINT_MAX_BYTES, DEFAULT_LIMITS.maxStoreBytes),
    maxAgeMs: DEFAULT_LIMITS.maxAgeMs,
    pruneEveryMs: DEFAULT_LIMITS.pruneEveryMs,
  };
}

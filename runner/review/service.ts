import { existsSync } from "node:fs";
import { join } from "node:path";
import { fail, ok, type Result } from "../../src/protocol/errors.ts";
import type {
  Checkpoint,
  DiffBase,
  ReviewOp,
  ReviewOpParams,
  ReviewOpResult,
} from "../../src/protocol/review.ts";
import { agentActivity } from "./agents.ts";
import { diffTrees, fileDiff, splitHunks } from "./diff.ts";
import { git } from "./git.ts";
import { projectChanges, projectDiff, projectDiscard } from "./project-git.ts";
import { gitAction } from "./project-git-ops.ts";
import { cloneInto, remoteAction } from "./remote-git.ts";
import { applyTree, recover } from "./restore.ts";
import type { GitJail } from "./sandbox-git.ts";
import { type CheckpointStore, EMPTY_TREE, storeFor } from "./store.ts";

type Op = { [K in ReviewOp]: { op: K } & ReviewOpParams<K> }[ReviewOp];

/** The `review.*` ops: checkpoints, changes, diffs, restore and discard, for one runner's workspace. */
export class ReviewService {
  constructor(private readonly workspaceRoot: string) {}

  async handle(req: Op): Promise<Result<unknown>> {
    const projectDir = join(this.workspaceRoot, req.project);
    if (!existsSync(projectDir)) return fail("not_found", `no project folder ${req.project}`);
    const store = storeFor(projectDir);
    // Stopping comes before the store's lock: a stopping agent's last checkpoint needs it.
    if (
      req.op === "review.restore" &&
      !req.preview &&
      req.stop_agents &&
      agentActivity.working(projectDir).length > 0
    )
      if (!(await agentActivity.stopAll(projectDir)))
        return fail("agent_working", "the working agent did not stop in time");
    return store.exclusive(async () => {
      await store.init();
      await recover(store);
      switch (req.op) {
        case "review.checkpoint":
          return ok(await store.takeLocked(req.reason));
        case "review.checkpoints":
          return ok({ checkpoints: store.list().filter((c) => !req.session || c.session === req.session) });
        case "review.changes":
          return this.changes(store, req.base, req.profile);
        case "review.diff":
          return this.diff(store, req);
        case "review.restore":
          return this.restore(store, req);
        case "review.discard":
          return this.discard(store, req);
        case "review.git": {
          if (!isGitRepo(store.projectDir)) return fail("not_found", "this project is not a git repository");
          const jail = this.jail(req.profile);
          if (!jail.ok) return jail;
          const a = req.action;
          if (a.do === "push" || a.do === "pull" || a.do === "fetch" || a.do === "remote_url")
            return remoteAction(store.projectDir, jail.value, a);
          return gitAction(store.projectDir, jail.value, a);
        }
        case "review.clone":
          return cloneInto(
            store.projectDir,
            { profile: req.profile, workspaceRoot: this.workspaceRoot },
            req.url,
            req.branch,
            req.credential,
          );
        case "review.prune":
          return ok(await store.pruneLocked({ maxAgeMs: req.max_age_ms, maxBytes: req.max_bytes }));
      }
    });
  }

  /** Where git runs for the project's own repository: its sandbox, never bare (sandbox-git.ts). */
  private jail(profile: string | undefined): Result<GitJail> {
    if (!profile)
      return fail("validation_failed", "profile: the project's sandbox profile is required for git");
    return ok({ profile, workspaceRoot: this.workspaceRoot });
  }

  /** The two trees a base compares; `to` is a fresh snapshot when the base ends "now". */
  private async range(
    store: CheckpointStore,
    base: DiffBase,
  ): Promise<Result<{ from: Checkpoint | null; fromTree: string; toTree: string; to: Checkpoint | null }>> {
    const all = store.list();
    const now = async () => (await store.snapshot()).tree;
    if (base.kind === "project") {
      const last = lastBaseline(all);
      return ok({ from: last ?? null, fromTree: last?.tree ?? EMPTY_TREE, toTree: await now(), to: null });
    }
    const mine = all.filter((c) => c.session === base.session);
    if (base.kind === "session") {
      const first = mine.find((c) => c.reason === "turn");
      if (!first) return fail("no_checkpoint", "no checkpoint was taken in this conversation yet");
      return ok({ from: first, fromTree: first.tree, toTree: await now(), to: null });
    }
    const at = mine.findIndex((c) => c.reason === "turn" && c.client_id === base.client_id);
    const start = mine[at];
    if (!start) return fail("no_checkpoint", "no checkpoint was taken before that message");
    const end =
      mine.find((c, i) => i > at && c.reason === "turn_end" && c.client_id === base.client_id) ??
      mine.find((c, i) => i > at && c.reason === "turn");
    return ok({ from: start, fromTree: start.tree, toTree: end ? end.tree : await now(), to: end ?? null });
  }

  private async changes(
    store: CheckpointStore,
    base: DiffBase,
    profile: string | undefined,
  ): Promise<Result<ReviewOpResult<"review.changes">>> {
    if (base.kind === "project" && isGitRepo(store.projectDir)) {
      const jail = this.jail(profile);
      return jail.ok ? projectChanges(store.projectDir, jail.value) : jail;
    }
    const r = await this.range(store, base);
    if (!r.ok) return r;
    const { files } = await diffTrees(store.target, r.value.fromTree, r.value.toTree);
    return ok({ files, from: r.value.from?.id ?? null, to: r.value.to?.id ?? null });
  }

  private async diff(
    store: CheckpointStore,
    req: ReviewOpParams<"review.diff">,
  ): Promise<Result<ReviewOpResult<"review.diff">>> {
    let lines: string[];
    let binary: boolean;
    if (req.base.kind === "project" && isGitRepo(store.projectDir)) {
      const jail = this.jail(req.profile);
      if (!jail.ok) return jail;
      ({ lines, binary } = await projectDiff(store.projectDir, jail.value, req.path));
    } else {
      const r = await this.range(store, req.base);
      if (!r.ok) return r;
      const { files } = await diffTrees(store.target, r.value.fromTree, r.value.toTree);
      const f = files.find((x) => x.path === req.path);
      if (!f) return fail("not_found", `${req.path} did not change`);
      ({ lines, binary } = await fileDiff(
        store.target,
        r.value.fromTree,
        r.value.toTree,
        f.path,
        f.old_path,
      ));
    }
    const page = lines.slice(req.offset, req.offset + req.limit);
    const next = req.offset + page.length;
    return ok({
      path: req.path,
      binary,
      lines: page,
      offset: req.offset,
      total_lines: lines.length,
      next_offset: next < lines.length ? next : null,
    });
  }

  private async restore(
    store: CheckpointStore,
    req: ReviewOpParams<"review.restore">,
  ): Promise<Result<ReviewOpResult<"review.restore">>> {
    const all = store.list();
    const t = req.target;
    const target =
      t.kind === "checkpoint"
        ? all.find((c) => c.id === t.id)
        : [t.session, ...(t.ancestors ?? [])]
            .map((session) =>
              all.find((c) => c.reason === "turn" && c.session === session && c.client_id === t.client_id),
            )
            .find((c) => c !== undefined);
    if (!target) return fail("no_checkpoint", "there is no checkpoint to restore to");
    if (!req.preview) {
      const busy = agentActivity.working(store.projectDir);
      if (busy.length > 0) {
        if (!req.stop_agents)
          return fail(
            "agent_working",
            `an agent is working in this project (${busy.join(", ")}); stop it first`,
          );
        if (!(await agentActivity.stopAll(store.projectDir)))
          return fail("agent_working", "the working agent did not stop in time");
      }
    }
    const last = lastBaseline(all);
    const { tree: current } = await store.snapshot();
    const { files } = await diffTrees(store.target, current, target.tree);
    // Edits since the last checkpoint (the agent's turn ended there) that the restore replaces.
    const sinceLast = last
      ? (await diffTrees(store.target, last.tree, current, { renames: false })).files
      : [];
    const touched = new Set(files.flatMap((f) => (f.old_path ? [f.path, f.old_path] : [f.path])));
    const overwrites = sinceLast.map((f) => f.path).filter((p) => touched.has(p));
    if (req.preview) return ok({ checkpoint: null, target, files, overwrites, preview: true });
    const before = await store.takeLocked("restore");
    const { raw } = await diffTrees(store.target, current, target.tree, { renames: false });
    await applyTree(store, target.tree, raw, before.id);
    return ok({ checkpoint: before, target, files, overwrites, preview: false });
  }

  private async discard(
    store: CheckpointStore,
    req: ReviewOpParams<"review.discard">,
  ): Promise<Result<ReviewOpResult<"review.discard">>> {
    if (agentActivity.working(store.projectDir).length > 0)
      return fail("agent_working", "an agent is working in this project; stop it first");
    const gitRepo = req.base.kind === "project" && isGitRepo(store.projectDir);
    const jail = this.jail(req.profile);
    if (gitRepo && !jail.ok) return jail;
    const r = gitRepo ? null : await this.range(store, req.base);
    if (r && !r.ok) return r;
    const before = await store.takeLocked("discard");
    if (gitRepo) {
      const d = await projectDiscard(
        store.projectDir,
        (jail as { value: GitJail }).value,
        req.path,
        req.hunk,
      );
      return d.ok ? ok({ checkpoint: before }) : d;
    }
    const fromTree = (r as { value: { fromTree: string } }).value.fromTree;
    const { files } = await diffTrees(store.target, fromTree, before.tree);
    const f = files.find((x) => x.path === req.path);
    if (!f) return fail("not_found", `${req.path} has no change to discard`);
    if (req.hunk) {
      const { lines, binary } = await fileDiff(store.target, fromTree, before.tree, f.path, f.old_path);
      const hunk = splitHunks(lines)[req.hunk.index];
      if (binary || f.status === "renamed" || f.kind === "link")
        return fail("bad_request", "only a text file's hunks can be discarded one at a time");
      if (!hunk || hunk.header !== req.hunk.header)
        return fail("stale_diff", "the file changed since this diff was shown");
      const patch = [`--- a/${f.path}`, `+++ b/${f.path}`, hunk.header, ...hunk.body, ""].join("\n");
      const applied = await git(store.target, ["apply", "-R", "-"], {
        stdin: patch,
        cwd: store.projectDir,
      });
      if (applied.code !== 0)
        return fail("stale_diff", `the hunk no longer applies: ${applied.stderr.trim().slice(0, 200)}`);
      return ok({ checkpoint: before });
    }
    // The whole file back to the base (a rename: the old path back, the new one gone).
    const paths = f.old_path ? [f.old_path, f.path] : [f.path];
    const { raw } = await diffTrees(store.target, before.tree, fromTree, { renames: false, paths });
    await applyTree(store, fromTree, raw, `${before.id}-d`);
    return ok({ checkpoint: before });
  }
}

/**
 * The newest checkpoint that marks where the agent left the files (a turn's start or end, or one
 * taken on request) — not the safety copies a restore or discard makes of what it replaces.
 */
const lastBaseline = (all: Checkpoint[]): Checkpoint | undefined =>
  all.findLast((c) => c.reason !== "restore" && c.reason !== "discard");

export const isGitRepo = (dir: string): boolean => existsSync(join(dir, ".git"));

/** At runner start: finish or roll back restores a killed runner left behind. */
export async function recoverAll(root: string): Promise<void> {
  const { readdirSync, readFileSync } = await import("node:fs");
  if (!existsSync(root)) return;
  for (const name of readdirSync(root)) {
    const projectFile = join(root, name, "project");
    if (!existsSync(join(root, name, "journal.json")) || !existsSync(projectFile)) continue;
    const store = storeFor(readFileSync(projectFile, "utf8").trim());
    await store.exclusive(() => recover(store));
  }
}

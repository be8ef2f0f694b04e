import * as v from "valibot";
import { projectFolder, relativePath } from "./files.ts";
import { idSchema } from "./ids.ts";

/**
 * Review and undo: checkpoints of a project's files, what changed, restore and discard.
 * The runner keeps the checkpoints (a private git object store per project, outside every sandbox:
 * decisions/0024); the server names a project folder, a session and a user message's client id.
 */

export const checkpointId = idSchema("cpt");
const sessionKey = idSchema("ses");
const clientId = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_.:-]{1,100}$/));
const sha = v.pipe(v.string(), v.regex(/^[0-9a-f]{40}$/, "a git object id"));

export const CHANGE_STATUSES = ["added", "modified", "deleted", "renamed"] as const;
export type ChangeStatus = (typeof CHANGE_STATUSES)[number];

export const ChangedFileSchema = v.object({
  path: v.string(),
  status: v.picklist(CHANGE_STATUSES),
  /** The path before a rename. */
  old_path: v.optional(v.string()),
  binary: v.boolean(),
  added: v.number(),
  removed: v.number(),
  /** `link` for a symlink (its target is the "content"). */
  kind: v.optional(v.picklist(["file", "link"])),
});
export type ChangedFile = v.InferOutput<typeof ChangedFileSchema>;

export const CHECKPOINT_REASONS = ["turn", "turn_end", "restore", "discard", "manual"] as const;
export const CheckpointSchema = v.object({
  id: checkpointId,
  /** The tree of the project's files (content-addressed: an unchanged project makes no new objects). */
  tree: sha,
  reason: v.picklist(CHECKPOINT_REASONS),
  session: v.optional(v.string()),
  client_id: v.optional(v.string()),
  at: v.number(),
  /** Files left out for the size cap. */
  skipped: v.optional(v.array(v.string())),
});
export type Checkpoint = v.InferOutput<typeof CheckpointSchema>;

/** Where a diff starts: a session's first checkpoint, one turn, a checkpoint, or git's HEAD. */
export const DiffBaseSchema = v.variant("kind", [
  /** Since the conversation started (the checkpoint before its first message) → now. */
  v.strictObject({ kind: v.literal("session"), session: sessionKey }),
  /** One turn: the checkpoint before this message → the one after its turn (or now). */
  v.strictObject({ kind: v.literal("turn"), session: sessionKey, client_id: clientId }),
  /** The project's own git HEAD (a git repository), else its latest checkpoint. */
  v.strictObject({ kind: v.literal("project") }),
]);
export type DiffBase = v.InferOutput<typeof DiffBaseSchema>;

const inProject = { project: projectFolder };
const profileName = v.pipe(v.string(), v.regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, "a profile name"));
/**
 * The project's sandbox profile: git in the project's own repository runs inside it (its config,
 * attributes and hooks are the agent's to write). Required wherever the project is a git repository.
 */
const jail = { profile: v.optional(profileName) };

/** A branch name git would accept (checked again by git itself). */
export const branchName = v.pipe(
  v.string(),
  v.regex(/^(?!-)(?!.*\.\.)(?!.*\/\/)(?!.*@\{)[A-Za-z0-9._/+-]{1,200}(?<![./])$/, "a branch name"),
  v.check((s) => !s.endsWith(".lock") && !s.startsWith("/"), "a branch name"),
);
/** A remote's name in the repository (`origin`). */
export const remoteName = v.pipe(v.string(), v.regex(/^(?!-)[A-Za-z0-9._-]{1,100}$/, "a remote name"));
/** An http(s) URL of a remote repository (no user or password in it). */
export const remoteUrl = v.pipe(
  v.string(),
  v.maxLength(2000),
  v.regex(/^https?:\/\/[^\s@/?#]+(\/[^\s]*)?$/, "an http(s) URL without credentials"),
);
/** What the runner presents to a remote's host: given per request by the server, never stored. */
export const GitCredentialSchema = v.strictObject({
  username: v.pipe(v.string(), v.minLength(1), v.maxLength(200), v.regex(/^[^\s:]+$/)),
  token: v.pipe(v.string(), v.minLength(1), v.maxLength(4000), v.regex(/^[\x21-\x7e]+$/)),
});
const person = v.strictObject({
  name: v.pipe(v.string(), v.minLength(1), v.maxLength(200)),
  email: v.pipe(v.string(), v.minLength(3), v.maxLength(200)),
});

export const ReviewOpParamsSchemas = {
  /** A checkpoint now (tests, discard and restore use it too). */
  "review.checkpoint": v.strictObject({
    ...inProject,
    reason: v.optional(v.picklist(CHECKPOINT_REASONS), "manual"),
  }),
  "review.checkpoints": v.strictObject({ ...inProject, session: v.optional(sessionKey) }),
  "review.changes": v.strictObject({ ...inProject, ...jail, base: DiffBaseSchema }),
  /** One file's unified diff, paged by lines. */
  "review.diff": v.strictObject({
    ...inProject,
    ...jail,
    base: DiffBaseSchema,
    path: relativePath,
    offset: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0)), 0),
    limit: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(20_000)), 2000),
  }),
  /**
   * The files back to a checkpoint: before a session's user message, or a checkpoint by id (undo).
   * `preview`: change nothing, answer what would change and which of them were edited since the
   * agent's last turn ended. `stop_agents`: abort working agents of this project first, else refuse.
   */
  "review.restore": v.strictObject({
    ...inProject,
    target: v.variant("kind", [
      v.strictObject({
        kind: v.literal("message"),
        session: sessionKey,
        client_id: clientId,
        /** A fork's ancestors, nearest first: a message copied into a fork was checkpointed there. */
        ancestors: v.optional(v.pipe(v.array(sessionKey), v.maxLength(20))),
      }),
      v.strictObject({ kind: v.literal("checkpoint"), id: checkpointId }),
    ]),
    preview: v.optional(v.boolean(), false),
    stop_agents: v.optional(v.boolean(), false),
  }),
  /** Throw away a change: the whole file back to the base, or one hunk of its diff reversed. */
  "review.discard": v.strictObject({
    ...inProject,
    ...jail,
    base: DiffBaseSchema,
    path: relativePath,
    /** 0-based hunk index in the diff as shown, with its header line as a guard. */
    hunk: v.optional(
      v.strictObject({ index: v.pipe(v.number(), v.integer(), v.minValue(0)), header: v.string() }),
    ),
  }),
  /**
   * The project's own git repository: status, log, stage, unstage, commit, branches, and push, pull
   * and fetch to a remote the profile's network allows (decisions/0025).
   */
  "review.git": v.strictObject({
    ...inProject,
    ...jail,
    action: v.variant("do", [
      v.strictObject({
        do: v.literal("status"),
        /** Also the latest commits (`commits`), from the same sandbox. */
        log: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(500))),
      }),
      v.strictObject({
        do: v.literal("log"),
        limit: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(500)), 50),
      }),
      v.strictObject({
        do: v.literal("stage"),
        paths: v.pipe(v.array(relativePath), v.minLength(1), v.maxLength(1000)),
      }),
      v.strictObject({
        do: v.literal("unstage"),
        paths: v.pipe(v.array(relativePath), v.minLength(1), v.maxLength(1000)),
      }),
      v.strictObject({
        do: v.literal("commit"),
        message: v.pipe(v.string(), v.minLength(1), v.maxLength(20_000)),
        author: person,
      }),
      v.strictObject({ do: v.literal("branches") }),
      v.strictObject({ do: v.literal("branch_create"), name: branchName, from: v.optional(branchName) }),
      v.strictObject({ do: v.literal("branch_switch"), name: branchName }),
      v.strictObject({
        do: v.literal("push"),
        remote: v.optional(remoteName, "origin"),
        /** The credential for the remote's host, if the person stored one. */
        credential: v.optional(GitCredentialSchema),
      }),
      v.strictObject({
        do: v.literal("pull"),
        remote: v.optional(remoteName, "origin"),
        credential: v.optional(GitCredentialSchema),
        author: person,
      }),
      v.strictObject({
        do: v.literal("fetch"),
        remote: v.optional(remoteName, "origin"),
        credential: v.optional(GitCredentialSchema),
      }),
      /** The remote's URL as the repository names it (to pick the credential for its host). */
      v.strictObject({ do: v.literal("remote_url"), remote: v.optional(remoteName, "origin") }),
    ]),
  }),
  /**
   * Clone a remote repository into an empty project folder (a new project): fetched outside the
   * sandbox into the private mirror with the credential, checked out inside it. On failure the
   * folder is emptied again.
   */
  "review.clone": v.strictObject({
    ...inProject,
    profile: profileName,
    url: remoteUrl,
    branch: v.optional(branchName),
    credential: v.optional(GitCredentialSchema),
  }),
  "review.prune": v.strictObject({
    ...inProject,
    max_age_ms: v.optional(v.pipe(v.number(), v.minValue(0))),
    max_bytes: v.optional(v.pipe(v.number(), v.minValue(0))),
  }),
} as const;

export type ReviewOp = keyof typeof ReviewOpParamsSchemas;
export type ReviewOpInput<Op extends ReviewOp> = v.InferInput<(typeof ReviewOpParamsSchemas)[Op]>;
export type ReviewOpParams<Op extends ReviewOp> = v.InferOutput<(typeof ReviewOpParamsSchemas)[Op]>;
export const REVIEW_OPS = Object.keys(ReviewOpParamsSchemas) as ReviewOp[];
export const isReviewOp = (op: unknown): op is ReviewOp =>
  typeof op === "string" && Object.hasOwn(ReviewOpParamsSchemas, op);

export const ChangesResultSchema = v.object({
  files: v.array(ChangedFileSchema),
  /** What the diff compares: `git` (HEAD), or a checkpoint; `to` null = the files as they are now. */
  from: v.nullable(v.string()),
  to: v.nullable(v.string()),
  git: v.optional(v.boolean()),
});
export type ChangesResult = v.InferOutput<typeof ChangesResultSchema>;

export const DiffResultSchema = v.object({
  path: v.string(),
  binary: v.boolean(),
  /** Unified diff lines (without the `diff --git`/index header), this page only. */
  lines: v.array(v.string()),
  offset: v.number(),
  total_lines: v.number(),
  next_offset: v.nullable(v.number()),
});
export type DiffResult = v.InferOutput<typeof DiffResultSchema>;

export const RestoreResultSchema = v.object({
  /** The checkpoint of the state the restore replaced (restore it to undo); null on a preview. */
  checkpoint: v.nullable(CheckpointSchema),
  /** The checkpoint restored to. */
  target: CheckpointSchema,
  /** What the restore changes (or would change, on a preview). */
  files: v.array(ChangedFileSchema),
  /** Files edited since the agent's last turn ended that the restore overwrites. */
  overwrites: v.array(v.string()),
  preview: v.boolean(),
});
export type RestoreResult = v.InferOutput<typeof RestoreResultSchema>;

export const DiscardResultSchema = v.object({ checkpoint: CheckpointSchema });

export const ReviewOpResultSchemas = {
  "review.checkpoint": CheckpointSchema,
  "review.checkpoints": v.object({ checkpoints: v.array(CheckpointSchema) }),
  "review.changes": ChangesResultSchema,
  "review.diff": DiffResultSchema,
  "review.restore": RestoreResultSchema,
  "review.discard": DiscardResultSchema,
  "review.prune": v.object({ removed: v.number(), bytes: v.number() }),
  "review.git": v.unknown(),
  "review.clone": v.object({ branch: v.string(), head: v.string() }),
} as const;

export const GitStatusSchema = v.object({
  branch: v.nullable(v.string()),
  upstream: v.optional(v.nullable(v.string())),
  ahead: v.optional(v.number()),
  behind: v.optional(v.number()),
  head: v.nullable(v.string()),
  /** Porcelain v1 letters: index (staged) and work tree columns. */
  files: v.array(v.object({ path: v.string(), staged: v.string(), unstaged: v.string() })),
});
export const GitLogSchema = v.object({
  commits: v.array(v.object({ sha: v.string(), subject: v.string(), author: v.string(), at: v.number() })),
});
export type ReviewOpResult<Op extends ReviewOp> = v.InferOutput<(typeof ReviewOpResultSchemas)[Op]>;

// ---------------------------------------------------------------- HTTP bodies

export const RestoreBodySchema = v.strictObject({
  /** Before this user message (the fixed name). */
  message_id: v.optional(idSchema("msg")),
  /** Or to a checkpoint by id: the undo of a restore or a discard. */
  checkpoint_id: v.optional(checkpointId),
  preview: v.optional(v.boolean()),
  stop_agents: v.optional(v.boolean()),
});
export type RestoreBody = v.InferOutput<typeof RestoreBodySchema>;

export const DiscardBodySchema = v.strictObject({
  path: relativePath,
  /** Narrow a conversation's changes to one turn (the user message that started it). */
  message_id: v.optional(idSchema("msg")),
  hunk: v.optional(
    v.strictObject({ index: v.pipe(v.number(), v.integer(), v.minValue(0)), header: v.string() }),
  ),
});
export type DiscardBody = v.InferOutput<typeof DiscardBodySchema>;

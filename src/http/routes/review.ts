import { Elysia } from "elysia";
import * as v from "valibot";
import { fail } from "../../protocol/errors.ts";
import { relativePath } from "../../protocol/files.ts";
import { idSchema } from "../../protocol/ids.ts";
import {
  branchName,
  checkpointId,
  DiscardBodySchema,
  RestoreBodySchema,
  remoteName,
  remoteUrl,
} from "../../protocol/review.ts";
import { authGuard } from "../auth.ts";
import type { HttpContext } from "../context.ts";
import { unwrap } from "../errors.ts";
import { ownerOf } from "./projects.ts";

const lineNumber = (max: number) =>
  v.optional(v.pipe(v.string(), v.regex(/^\d{1,6}$/), v.transform(Number), v.maxValue(max)));
const ChangesQuery = v.object({ message_id: v.optional(idSchema("msg")) });
const DiffQuery = v.object({
  path: relativePath,
  message_id: v.optional(idSchema("msg")),
  offset: lineNumber(100_000_000),
  limit: lineNumber(20_000),
});
const ProjectDiscardBody = v.strictObject({
  path: relativePath,
  hunk: v.optional(
    v.strictObject({ index: v.pipe(v.number(), v.integer(), v.minValue(0)), header: v.string() }),
  ),
});
const GitPathsBody = v.strictObject({
  paths: v.pipe(v.array(relativePath), v.minLength(1), v.maxLength(1000)),
});
const GitCommitBody = v.strictObject({ message: v.pipe(v.string(), v.minLength(1), v.maxLength(20_000)) });
const RemoteBody = v.strictObject({ remote: v.optional(remoteName) });
const BranchCreateBody = v.strictObject({ name: branchName, from: v.optional(branchName) });
const BranchSwitchBody = v.strictObject({ name: branchName });
const CloneBody = v.strictObject({
  url: remoteUrl,
  branch: v.optional(branchName),
  name: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(200))),
  profile: v.optional(v.pipe(v.string(), v.regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, "a profile name"))),
});
const ProjectRestoreBody = v.strictObject({ checkpoint_id: checkpointId, preview: v.optional(v.boolean()) });

/**
 * Review and undo: a conversation's (or one turn's) changes, restore before a message, discard a
 * file or a hunk; the project's changes against git's HEAD or its last checkpoint. Owner only.
 */
export function reviewRoutes(ctx: HttpContext) {
  const { review } = ctx.services;
  return new Elysia()
    .use(authGuard(ctx))
    .get(
      "/api/sessions/:id/changes",
      async ({ auth, params, query }) =>
        unwrap(await review.sessionChanges(ownerOf(auth), params.id, query.message_id)),
      { query: ChangesQuery },
    )
    .get(
      "/api/sessions/:id/changes/diff",
      async ({ auth, params, query }) => unwrap(await review.sessionDiff(ownerOf(auth), params.id, query)),
      { query: DiffQuery },
    )
    .get("/api/sessions/:id/checkpoints", async ({ auth, params }) =>
      unwrap(await review.checkpoints(ownerOf(auth), params.id)),
    )
    .post(
      "/api/sessions/:id/restore",
      async ({ auth, params, body }) => unwrap(await review.restore(ownerOf(auth), params.id, body)),
      { body: RestoreBodySchema },
    )
    .post(
      "/api/sessions/:id/discard",
      async ({ auth, params, body }) => unwrap(await review.discard(ownerOf(auth), params.id, body)),
      { body: DiscardBodySchema },
    )
    .get("/api/projects/:id/changes", async ({ auth, params }) =>
      unwrap(await review.projectChanges(ownerOf(auth), params.id)),
    )
    .get(
      "/api/projects/:id/changes/diff",
      async ({ auth, params, query }) => {
        const { message_id: _m, ...q } = query;
        return unwrap(await review.projectDiff(ownerOf(auth), params.id, q));
      },
      { query: DiffQuery },
    )
    .post(
      "/api/projects/:id/discard",
      async ({ auth, params, body }) => unwrap(await review.projectDiscard(ownerOf(auth), params.id, body)),
      { body: ProjectDiscardBody },
    )
    .get("/api/projects/:id/git", async ({ auth, params }) =>
      unwrap(await review.gitOverview(ownerOf(auth), params.id)),
    )
    .post(
      "/api/projects/:id/git/stage",
      async ({ auth, params, body }) =>
        unwrap(await review.git(ownerOf(auth), params.id, { do: "stage", ...body })),
      { body: GitPathsBody },
    )
    .post(
      "/api/projects/:id/git/unstage",
      async ({ auth, params, body }) =>
        unwrap(await review.git(ownerOf(auth), params.id, { do: "unstage", ...body })),
      { body: GitPathsBody },
    )
    .post(
      "/api/projects/:id/git/commit",
      async ({ auth, params, body }) =>
        unwrap(await review.git(ownerOf(auth), params.id, { do: "commit", ...body })),
      { body: GitCommitBody },
    )
    .get("/api/projects/:id/git/branches", async ({ auth, params }) =>
      unwrap(await review.git(ownerOf(auth), params.id, { do: "branches" })),
    )
    .post(
      "/api/projects/:id/git/branches",
      async ({ auth, params, body }) =>
        unwrap(await review.git(ownerOf(auth), params.id, { do: "branch_create", ...body })),
      { body: BranchCreateBody },
    )
    .post(
      "/api/projects/:id/git/switch",
      async ({ auth, params, body }) =>
        unwrap(await review.git(ownerOf(auth), params.id, { do: "branch_switch", ...body })),
      { body: BranchSwitchBody },
    )
    .post(
      "/api/projects/:id/git/:remoteOp",
      async ({ auth, params, body }) => {
        const op = params.remoteOp;
        if (op !== "push" && op !== "pull" && op !== "fetch")
          return unwrap(fail("not_found", "no such git operation"));
        return unwrap(await review.git(ownerOf(auth), params.id, { do: op, ...body }));
      },
      { body: v.optional(RemoteBody, {}) },
    )
    .post("/api/projects/clone", async ({ auth, body }) => unwrap(await review.clone(ownerOf(auth), body)), {
      body: CloneBody,
    })
    .post(
      "/api/projects/:id/restore",
      async ({ auth, params, body }) =>
        unwrap(await review.projectRestore(ownerOf(auth), params.id, body.checkpoint_id, body.preview)),
      { body: ProjectRestoreBody },
    );
}

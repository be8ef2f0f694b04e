import { Elysia } from "elysia";
import * as v from "valibot";
import { CommentBody, CreateTaskBody, TaskListQuery, UpdateTaskBody } from "../../protocol/tasks.ts";
import type { TaskActorRef, TaskScope } from "../../tasks/types.ts";
import { type AuthedUser, authGuard } from "../auth.ts";
import type { HttpContext } from "../context.ts";
import { unwrap } from "../errors.ts";
import { ownerOf } from "./projects.ts";

const ImportBody = v.strictObject({ jsonl: v.pipe(v.string(), v.maxLength(8 * 1024 * 1024)) });

/** A project's task tracker for the Tasks tab; the service checks the project's owner on every call. */
export function taskRoutes(ctx: HttpContext) {
  const { tasks } = ctx.services;
  const scopeOf = (auth: AuthedUser, projectId: string): { scope: TaskScope; actor: TaskActorRef } => {
    const owner = ownerOf(auth);
    return { scope: { userId: owner.id, projectId }, actor: { kind: "person", userId: owner.id } };
  };
  return new Elysia({ prefix: "/api/projects/:id/tasks" })
    .use(authGuard(ctx))
    .get(
      "",
      ({ auth, params, query }) => {
        const { scope } = scopeOf(auth, params.id);
        const { ready, ...rest } = query;
        return { tasks: unwrap(tasks.list(scope, { ...rest, ready: ready === "1" || ready === "true" })) };
      },
      { query: TaskListQuery },
    )
    .post(
      "",
      ({ auth, params, body }) => {
        const { scope, actor } = scopeOf(auth, params.id);
        return { task: unwrap(tasks.create(scope, actor, body)) };
      },
      { body: CreateTaskBody },
    )
    .get("/export", ({ auth, params }) => {
      const { scope } = scopeOf(auth, params.id);
      return new Response(unwrap(tasks.exportLines(scope)).text, {
        headers: { "content-type": "application/x-ndjson; charset=utf-8" },
      });
    })
    .post(
      "/import",
      ({ auth, params, body }) => {
        const { scope, actor } = scopeOf(auth, params.id);
        return unwrap(tasks.importLines(scope, actor, body.jsonl));
      },
      { body: ImportBody },
    )
    .get("/:taskId", ({ auth, params }) => unwrap(tasks.get(scopeOf(auth, params.id).scope, params.taskId)))
    .patch(
      "/:taskId",
      ({ auth, params, body }) => {
        const { scope, actor } = scopeOf(auth, params.id);
        return { task: unwrap(tasks.update(scope, actor, params.taskId, body)) };
      },
      { body: UpdateTaskBody },
    )
    .post(
      "/:taskId/comments",
      ({ auth, params, body }) => {
        const { scope, actor } = scopeOf(auth, params.id);
        return { task: unwrap(tasks.comment(scope, actor, params.taskId, body)) };
      },
      { body: CommentBody },
    );
}

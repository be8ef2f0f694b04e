import { Elysia } from "elysia";
import type { Actor, Scope } from "../../memory/service.ts";
import { CreateMemoryBody, MemoryQuery, UpdateMemoryBody } from "../../protocol/memory.ts";
import { type AuthedUser, authGuard } from "../auth.ts";
import type { HttpContext } from "../context.ts";
import { unwrap } from "../errors.ts";
import { ownerOf } from "./projects.ts";

/** A project's memories (and its user's own) for the Memory tab; every change is the person's. */
export function memoryRoutes(ctx: HttpContext) {
  const { memory, projects } = ctx.services;
  const scopeOf = (auth: AuthedUser, projectId: string): { scope: Scope; actor: Actor } => {
    const owner = ownerOf(auth);
    unwrap(projects.get(owner, projectId));
    return { scope: { userId: owner.id, projectId }, actor: { kind: "person", userId: owner.id } };
  };
  return new Elysia({ prefix: "/api/projects/:id/memories" })
    .use(authGuard(ctx))
    .get(
      "",
      async ({ auth, params, query }) => {
        const { scope } = scopeOf(auth, params.id);
        const opts = {
          ...(query.limit ? { limit: query.limit } : {}),
          ...(query.tag ? { tag: query.tag } : {}),
        };
        return { memories: query.q ? await memory.search(scope, query.q, opts) : memory.list(scope, opts) };
      },
      { query: MemoryQuery },
    )
    .post(
      "",
      ({ auth, params, body }) => {
        const { scope, actor } = scopeOf(auth, params.id);
        return { memory: unwrap(memory.add(scope, actor, body)) };
      },
      { body: CreateMemoryBody },
    )
    .get("/:memoryId", ({ auth, params }) => {
      const { scope } = scopeOf(auth, params.id);
      return {
        memory: unwrap(memory.get(scope, params.memoryId)),
        changes: unwrap(memory.changes(scope, params.memoryId)),
      };
    })
    .patch(
      "/:memoryId",
      ({ auth, params, body }) => {
        const { scope, actor } = scopeOf(auth, params.id);
        return { memory: unwrap(memory.update(scope, actor, params.memoryId, body)) };
      },
      { body: UpdateMemoryBody },
    )
    .delete("/:memoryId", ({ auth, params }) => {
      const { scope, actor } = scopeOf(auth, params.id);
      unwrap(memory.forget(scope, actor, params.memoryId));
      return { ok: true };
    });
}

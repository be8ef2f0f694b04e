import { Elysia } from "elysia";
import type { Owner } from "../../projects/service.ts";
import { CreateProjectBody, UpdateProjectBody } from "../../protocol/projects.ts";
import { type AuthedUser, accountOf, authGuard } from "../auth.ts";
import type { HttpContext } from "../context.ts";
import { unwrap } from "../errors.ts";

export const ownerOf = (auth: AuthedUser): Owner => {
  const user = accountOf(auth);
  return { id: user.id, username: user.username };
};

/** Projects: one folder each in the user's workspace, created and removed by the user's runner. */
export function projectRoutes(ctx: HttpContext) {
  const projects = ctx.services.projects;
  return new Elysia()
    .use(authGuard(ctx))
    .get("/api/project-templates", () => ({ templates: projects.templates() }))
    .get("/api/sandbox-profiles", () => projects.profiles())
    .get("/api/projects", ({ auth }) => ({
      projects: projects.list(ownerOf(auth)),
      shared: projects.listShared(ownerOf(auth)),
    }))
    .post(
      "/api/projects",
      async ({ auth, body }) => {
        const owner = ownerOf(auth);
        const project = unwrap(await projects.create(owner, body));
        ctx.log.info("project created", { user: owner.id, project: project.id });
        return { project };
      },
      { body: CreateProjectBody },
    )
    .get("/api/projects/:id", ({ auth, params }) => ({
      project: unwrap(projects.view(ownerOf(auth), params.id)),
    }))
    .patch(
      "/api/projects/:id",
      ({ auth, params, body }) => ({ project: unwrap(projects.update(ownerOf(auth), params.id, body)) }),
      { body: UpdateProjectBody },
    )
    .delete("/api/projects/:id", async ({ auth, params }) => {
      const owner = ownerOf(auth);
      const project = unwrap(await projects.remove(owner, params.id));
      ctx.log.info("project deleted", { user: owner.id, project: project.id });
      return { ok: true };
    });
}

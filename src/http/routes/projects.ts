import { Elysia } from "elysia";
import {
  createProject,
  deleteProject,
  getProject,
  listProjects,
  type Owner,
  updateProject,
} from "../../projects/service.ts";
import { TEMPLATES } from "../../projects/templates.ts";
import { OctoError, type Result } from "../../protocol/errors.ts";
import {
  CreateProjectBody,
  type Project,
  type SandboxProfiles,
  UpdateProjectBody,
} from "../../protocol/projects.ts";
import type { ServerContext } from "../../server/context.ts";
import type { Services } from "../../server/services.ts";
import { listProfiles } from "../../shared/profiles.ts";
import type { ProjectRow } from "../../storage/projects.ts";
import { accountOf, authGuard } from "../auth.ts";

export const publicProject = (p: ProjectRow): Project => ({
  id: p.id,
  name: p.name,
  slug: p.slug,
  profile: p.profile,
  default_model: p.default_model,
  template: p.template,
  created_at: p.created_at,
  updated_at: p.updated_at,
  last_activity_at: p.last_activity_at,
});

export function unwrap<T>(r: Result<T>): T {
  if (!r.ok) throw new OctoError(r.error.code, r.error.message);
  return r.value;
}

const ownerOf = (auth: Parameters<typeof accountOf>[0]): Owner => {
  const user = accountOf(auth);
  return { id: user.id, username: user.username };
};

/** Projects: one folder each in the user's workspace, created and removed by the user's runner. */
export function projectRoutes(ctx: ServerContext, services: Services) {
  const deps = services.projects;
  return new Elysia()
    .use(authGuard(ctx))
    .get("/api/project-templates", () => ({
      templates: Object.values(TEMPLATES).map(({ name, description, profile }) => ({
        name,
        description,
        profile,
      })),
    }))
    .get("/api/sandbox-profiles", (): SandboxProfiles => {
      const names = deps.profiles();
      const details = listProfiles().filter((p) => names.includes(p.name));
      return {
        profiles: [...names],
        details: details.map(({ name, description }) => ({ name, description })),
      };
    })
    .get("/api/projects", ({ auth }) => ({ projects: listProjects(deps, ownerOf(auth)).map(publicProject) }))
    .post(
      "/api/projects",
      async ({ auth, body }) => {
        const owner = ownerOf(auth);
        const project = unwrap(await createProject(deps, owner, body));
        ctx.log.info("project created", { user: owner.id, project: project.id });
        return { project: publicProject(project) };
      },
      { body: CreateProjectBody },
    )
    .get("/api/projects/:id", ({ auth, params }) => ({
      project: publicProject(unwrap(getProject(deps, ownerOf(auth), params.id))),
    }))
    .patch(
      "/api/projects/:id",
      ({ auth, params, body }) => ({
        project: publicProject(unwrap(updateProject(deps, ownerOf(auth), params.id, body))),
      }),
      { body: UpdateProjectBody },
    )
    .delete("/api/projects/:id", async ({ auth, params }) => {
      const owner = ownerOf(auth);
      const project = unwrap(getProject(deps, owner, params.id));
      await ctx.terminals.closeProject(owner, project.id);
      await services.sessions.deleteForProject(owner, project.id);
      unwrap(await deleteProject(deps, owner, project.id));
      ctx.log.info("project deleted", { user: owner.id, project: project.id });
      return { ok: true };
    });
}

import type { Result } from "../protocol/errors.ts";
import type { Project } from "../protocol/projects.ts";
import type { ProjectRow } from "../storage/projects.ts";
import {
  type CreateProjectInput,
  createProject,
  deleteProject,
  getProject,
  listProjects,
  type Owner,
  type ProjectDeps,
  type UpdateProjectInput,
  updateProject,
} from "./service.ts";
import { TEMPLATES } from "./templates.ts";

/** A project as the API shows it: the row without its owner. */
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

const asPublic = <T extends ProjectRow>(r: Result<T>): Result<Project> =>
  r.ok ? { ok: true, value: publicProject(r.value) } : r;

/** What a project's deletion must stop first: its shells and its agents. */
export type BeforeProjectDelete = (owner: Owner, projectId: string) => Promise<void>;

/** Projects as the routes and the other features see them: owner-checked, in their public shape. */
export interface ProjectService {
  list(owner: Owner): Project[];
  /** Someone else's project is reported exactly like a missing one. */
  get(owner: Owner, id: string): Result<Project>;
  create(owner: Owner, input: CreateProjectInput): Promise<Result<Project>>;
  update(owner: Owner, id: string, input: UpdateProjectInput): Result<Project>;
  /** Stops the project's processes (`beforeDelete`), then removes its row, sessions and folder. */
  remove(owner: Owner, id: string): Promise<Result<Project>>;
  templates(): { name: string; description: string; profile: string }[];
  profiles(): readonly string[];
}

export function createProjectService(deps: ProjectDeps, beforeDelete: BeforeProjectDelete): ProjectService {
  return {
    list: (owner) => listProjects(deps, owner).map(publicProject),
    get: (owner, id) => asPublic(getProject(deps, owner, id)),
    create: async (owner, input) => asPublic(await createProject(deps, owner, input)),
    update: (owner, id, input) => asPublic(updateProject(deps, owner, id, input)),
    async remove(owner, id) {
      const found = getProject(deps, owner, id);
      if (!found.ok) return found;
      await beforeDelete(owner, found.value.id);
      return asPublic(await deleteProject(deps, owner, found.value.id));
    },
    templates: () =>
      Object.values(TEMPLATES).map(({ name, description, profile }) => ({ name, description, profile })),
    profiles: () => deps.profiles(),
  };
}

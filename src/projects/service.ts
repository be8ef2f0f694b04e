import type { Database } from "bun:sqlite";
import * as v from "valibot";
import { decode } from "../protocol/decode.ts";
import { fail, ok, type Result } from "../protocol/errors.ts";
import { newId } from "../protocol/ids.ts";
import type { Project, SandboxProfiles } from "../protocol/projects.ts";
import { listProfiles } from "../shared/profiles.ts";
import { type Need, type ProjectAccess, requireProject } from "../sharing/access.ts";
import { projectMembersRepo } from "../storage/project-members.ts";
import { type ProjectRow, projectsRepo } from "../storage/projects.ts";
import { DEFAULT_TEMPLATE, TEMPLATES } from "./templates.ts";

/** The user's files are reached only through their runner; this is what projects need of it. */
export interface ProjectFolders {
  create(owner: Owner, slug: string, files: Record<string, string>): Promise<Result<void>>;
  remove(owner: Owner, slug: string): Promise<Result<void>>;
}

export interface Owner {
  id: string;
  username: string;
}

export interface ProjectDeps {
  db: Database;
  folders: ProjectFolders;
  /** Profile names that exist (embedded + overrides). */
  profiles: () => readonly string[];
  /** Model refs (`provider/model`) that exist. */
  models: () => readonly string[];
  now?: () => number;
}

export const ProjectName = v.pipe(
  v.string(),
  v.trim(),
  v.minLength(1, "a project needs a name"),
  v.maxLength(80, "a project name has at most 80 characters"),
  v.check((s) => ![...s].some(isControl), "a project name cannot contain control characters"),
);

const isControl = (c: string) => {
  const code = c.charCodeAt(0);
  return code < 0x20 || code === 0x7f;
};

/** Folder name for a project: lowercase words joined by dashes, unique per user. */
export function slugify(name: string): string {
  const base = name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 48)
    .replace(/-+$/, "");
  return base || "project";
}

export function listProjects(deps: ProjectDeps, owner: Owner): ProjectRow[] {
  return projectsRepo(deps.db).listForUser(owner.id);
}

/**
 * The project if the caller's role meets `need` (decision 0030; owner-only unless a call site says
 * otherwise). Someone else's project is reported exactly like a missing one.
 */
export function getProject(
  deps: ProjectDeps,
  owner: Owner,
  id: string,
  need: Need = "owner",
): Result<ProjectRow> {
  const access = requireProject(deps.db, owner, id, need);
  return access.ok ? ok(access.value.row) : access;
}

export interface CreateProjectInput {
  name: string;
  template?: string;
  profile?: string;
  default_model?: string | null;
}

export async function createProject(
  deps: ProjectDeps,
  owner: Owner,
  input: CreateProjectInput,
): Promise<Result<ProjectRow>> {
  const name = decode(ProjectName, input.name, "name");
  if (!name.ok) return name;
  const templateName = input.template ?? DEFAULT_TEMPLATE;
  const template = TEMPLATES[templateName];
  if (!template) {
    return fail(
      "validation_failed",
      `template: unknown template ${templateName} (have ${Object.keys(TEMPLATES).join(", ")})`,
    );
  }
  const profile = input.profile ?? template.profile;
  const checked = checkSettings(deps, { profile, default_model: input.default_model ?? null });
  if (!checked.ok) return checked;

  const repo = projectsRepo(deps.db);
  const base = slugify(name.value);
  let slug = base;
  for (let i = 2; repo.slugTaken(owner.id, slug); i++) slug = `${base}-${i}`;

  const files = {
    ...template.files,
    ".octo/project.toml": projectToml(profile, input.default_model ?? null),
  };
  const made = await deps.folders.create(owner, slug, files);
  if (!made.ok) return made;
  const now = (deps.now ?? Date.now)();
  const row: ProjectRow = {
    id: newId("prj", now),
    user_id: owner.id,
    name: name.value,
    slug,
    profile,
    default_model: input.default_model ?? null,
    template: templateName,
    use_memories: 0,
    created_at: now,
    updated_at: now,
    last_activity_at: now,
  };
  repo.insert(row);
  return ok(row);
}

export interface UpdateProjectInput {
  name?: string;
  profile?: string;
  default_model?: string | null;
  use_memories?: boolean;
}

export function updateProject(
  deps: ProjectDeps,
  owner: Owner,
  id: string,
  input: UpdateProjectInput,
): Result<ProjectRow> {
  const found = ownerChange(deps, owner, id);
  if (!found.ok) return found;
  const fields: UpdateProjectInput = {};
  if (input.name !== undefined) {
    const name = decode(ProjectName, input.name, "name");
    if (!name.ok) return name;
    fields.name = name.value;
  }
  const next = {
    profile: input.profile ?? found.value.profile,
    default_model: input.default_model === undefined ? found.value.default_model : input.default_model,
  };
  const checked = checkSettings(deps, next);
  if (!checked.ok) return checked;
  if (input.profile !== undefined) fields.profile = input.profile;
  if (input.default_model !== undefined) fields.default_model = input.default_model;
  const rowFields: Partial<ProjectRow> = { ...(fields as Partial<ProjectRow>) };
  if (input.use_memories !== undefined) rowFields.use_memories = input.use_memories ? 1 : 0;
  const repo = projectsRepo(deps.db);
  repo.update(id, rowFields, (deps.now ?? Date.now)());
  const updated = repo.byId(id);
  return updated ? ok(updated) : fail("not_found", "no such project");
}

/** Removes the row (sessions cascade) and then the folder; the caller stops the project's processes first. */
export async function deleteProject(
  deps: ProjectDeps,
  owner: Owner,
  id: string,
): Promise<Result<ProjectRow>> {
  const found = getProject(deps, owner, id);
  if (!found.ok) return found;
  const removed = await deps.folders.remove(owner, found.value.slug);
  if (!removed.ok) return removed;
  projectsRepo(deps.db).delete(id);
  return found;
}

/** Settings and deletion: the owner's; a member sees the project, so for them it is `forbidden`. */
function ownerChange(deps: ProjectDeps, owner: Owner, id: string): Result<ProjectRow> {
  const access = requireProject(deps.db, owner, id, "owner", { ownerNeedForbidden: true });
  return access.ok ? ok(access.value.row) : access;
}

function checkSettings(
  deps: ProjectDeps,
  s: { profile: string; default_model: string | null },
): Result<void> {
  const profiles = deps.profiles();
  if (!profiles.includes(s.profile)) {
    return fail(
      "validation_failed",
      `profile: unknown sandbox profile ${s.profile} (have ${profiles.join(", ")})`,
    );
  }
  if (s.default_model !== null && !deps.models().includes(s.default_model)) {
    return fail("validation_failed", `default_model: ${s.default_model} is not a configured model`);
  }
  return ok(undefined);
}

function projectToml(profile: string, model: string | null): string {
  const lines = [
    "# Project settings read by octo. The agent cannot change this folder.",
    `profile = ${JSON.stringify(profile)}`,
  ];
  lines.push(model ? `default_model = ${JSON.stringify(model)}` : '# default_model = "provider/model"');
  return `${lines.join("\n")}\n`;
}

/** A project as the API shows it: the row without its owner. */
export const publicProject = (p: ProjectRow): Project => ({
  id: p.id,
  name: p.name,
  slug: p.slug,
  profile: p.profile,
  default_model: p.default_model,
  template: p.template,
  use_memories: p.use_memories === 1,
  created_at: p.created_at,
  updated_at: p.updated_at,
  last_activity_at: p.last_activity_at,
});

const withShare = (a: ProjectAccess): Project => ({
  ...publicProject(a.row),
  share: { role: a.role, terminal: a.terminal, owner: a.owner.username },
});

const asPublic = <T extends ProjectRow>(r: Result<T>): Result<Project> =>
  r.ok ? { ok: true, value: publicProject(r.value) } : r;

/** What a project's deletion must stop first: its shells and its agents. */
export type BeforeProjectDelete = (owner: Owner, projectId: string) => Promise<void>;

/** Projects as the routes and the other features see them: owner-checked, in their public shape. */
export interface ProjectService {
  list(owner: Owner): Project[];
  /** Someone else's project is reported exactly like a missing one (owner-only). */
  get(owner: Owner, id: string): Result<Project>;
  /** The caller's own project or one shared with them, with their standing (decision 0030). */
  view(caller: Owner, id: string): Result<Project>;
  /** Projects shared with the caller ("Shared with me"), each with the caller's standing. */
  listShared(caller: Owner): Project[];
  create(owner: Owner, input: CreateProjectInput): Promise<Result<Project>>;
  update(owner: Owner, id: string, input: UpdateProjectInput): Result<Project>;
  /** Stops the project's processes (`beforeDelete`), then removes its row, sessions and folder. */
  remove(owner: Owner, id: string): Promise<Result<Project>>;
  templates(): { name: string; description: string; profile: string }[];
  /** The sandbox profiles a project may use, with their descriptions for the pickers. */
  profiles(): SandboxProfiles;
}

export function createProjectService(deps: ProjectDeps, beforeDelete: BeforeProjectDelete): ProjectService {
  return {
    list: (owner) => listProjects(deps, owner).map(publicProject),
    get: (owner, id) => asPublic(getProject(deps, owner, id)),
    create: async (owner, input) => asPublic(await createProject(deps, owner, input)),
    update: (owner, id, input) => asPublic(updateProject(deps, owner, id, input)),
    view(caller, id) {
      const access = requireProject(deps.db, caller, id, "read");
      return access.ok ? ok(withShare(access.value)) : access;
    },
    listShared: (caller) =>
      projectMembersRepo(deps.db)
        .sharedWith(caller.id)
        .map((p) => ({
          ...publicProject(p),
          share: { role: p.role, terminal: p.terminal === 1, owner: p.owner_username },
        })),
    async remove(owner, id) {
      const found = ownerChange(deps, owner, id);
      if (!found.ok) return found;
      await beforeDelete(owner, found.value.id);
      return asPublic(await deleteProject(deps, owner, found.value.id));
    },
    templates: () =>
      Object.values(TEMPLATES).map(({ name, description, profile }) => ({ name, description, profile })),
    profiles() {
      const names = deps.profiles();
      const details = listProfiles().filter((p) => names.includes(p.name));
      return {
        profiles: [...names],
        details: details.map(({ name, description }) => ({ name, description })),
      };
    },
  };
}

import * as v from "valibot";
import { Project, SandboxProfiles } from "../../../src/protocol/projects.ts";
import { api } from "../api/http.ts";

/** Projects API (src/protocol/projects.ts: GET/POST /api/projects, GET /api/projects/:id). */
export { Project };

export const listProjects = () =>
  api(
    "GET",
    "/api/projects",
    // `shared`: projects others share with me, each with my standing (decision 0030).
    v.object({ projects: v.array(Project), shared: v.optional(v.array(Project), []) }),
  );
export const getProject = (id: string) =>
  api("GET", `/api/projects/${encodeURIComponent(id)}`, v.object({ project: Project }));
export const createProject = (name: string, template?: string, profile?: string) =>
  api("POST", "/api/projects", v.object({ project: Project }), {
    body: { name, ...(template ? { template } : {}), ...(profile ? { profile } : {}) },
  });
export const listSandboxProfiles = () => api("GET", "/api/sandbox-profiles", SandboxProfiles);

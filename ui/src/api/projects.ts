import * as v from "valibot";
import { api } from "./http.ts";

/**
 * Projects API (issue "agent sessions": GET/POST /api/projects, GET /api/projects/:id).
 * Provisional: these shapes move to src/protocol/ when the projects routes land there; the UI then
 * imports them from it. Until then a missing route answers 404 and the screens say so.
 */
export const Project = v.object({
  id: v.string(),
  name: v.string(),
  profile: v.string(),
  default_model: v.nullish(v.string()),
  last_activity_at: v.nullish(v.number()),
});
export type Project = v.InferOutput<typeof Project>;

export const listProjects = () => api("GET", "/api/projects", v.object({ projects: v.array(Project) }));
export const getProject = (id: string) =>
  api("GET", `/api/projects/${encodeURIComponent(id)}`, v.object({ project: Project }));
export const createProject = (name: string, template?: string, profile?: string) =>
  api("POST", "/api/projects", v.object({ project: Project }), {
    body: { name, ...(template ? { template } : {}), ...(profile ? { profile } : {}) },
  });

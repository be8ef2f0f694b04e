import * as v from "valibot";
import { GitCredential, User } from "../../../src/protocol/api.ts";
import { GitLogSchema, GitStatusSchema } from "../../../src/protocol/review.ts";
import { api } from "../api/http.ts";

const enc = encodeURIComponent;
const git = (projectId: string) => `/api/projects/${enc(projectId)}/git`;

export const overview = (projectId: string) =>
  api("GET", git(projectId), v.object({ status: GitStatusSchema, log: GitLogSchema }));

const Branches = v.object({
  branches: v.array(
    v.object({ name: v.string(), sha: v.string(), current: v.boolean(), upstream: v.nullable(v.string()) }),
  ),
  remotes: v.array(v.object({ name: v.string(), sha: v.string() })),
});
export const branches = (projectId: string) => api("GET", `${git(projectId)}/branches`, Branches);
export const createBranch = (projectId: string, name: string, from?: string) =>
  api("POST", `${git(projectId)}/branches`, v.unknown(), { body: { name, ...(from ? { from } : {}) } });
export const switchBranch = (projectId: string, name: string) =>
  api("POST", `${git(projectId)}/switch`, v.unknown(), { body: { name } });
export const stage = (projectId: string, paths: string[]) =>
  api("POST", `${git(projectId)}/stage`, v.unknown(), { body: { paths } });
export const unstage = (projectId: string, paths: string[]) =>
  api("POST", `${git(projectId)}/unstage`, v.unknown(), { body: { paths } });
export const commit = (projectId: string, message: string) =>
  api("POST", `${git(projectId)}/commit`, v.object({ sha: v.string() }), { body: { message } });
export const remoteOp = (projectId: string, op: "push" | "pull" | "fetch") =>
  api("POST", `${git(projectId)}/${op}`, v.unknown(), { body: {} });

export const cloneProject = (body: { url: string; branch?: string; name?: string; profile?: string }) =>
  api(
    "POST",
    "/api/projects/clone",
    v.object({ project_id: v.string(), branch: v.string(), head: v.string() }),
    {
      body,
    },
  );

export const listCredentials = () =>
  api("GET", "/api/account/git-credentials", v.object({ credentials: v.array(GitCredential) }));
export const putCredential = (body: { host: string; username?: string; token: string }) =>
  api("PUT", "/api/account/git-credentials", v.object({ credential: GitCredential }), { body });
export const removeCredential = (host: string) =>
  api("DELETE", `/api/account/git-credentials/${enc(host)}`, v.object({ ok: v.boolean() }));
export const setEmail = (email: string) =>
  api("PATCH", "/api/account", v.object({ user: User }), { body: { email } });

/** A git error in words a person can act on (the server's message carries the detail). */
export function gitErrorText(e: { code: string; message: string }): string {
  switch (e.code) {
    case "git_auth_failed":
      return `The remote refused the credentials. Add or fix a token for this host under Account → Git credentials. (${e.message})`;
    case "git_non_fast_forward":
      return "The remote has commits you do not have yet: pull first, then push.";
    case "git_conflict":
      return `Conflict: ${e.message}`;
    case "host_not_allowed":
      return `Not allowed: ${e.message}. Choose a sandbox profile whose network allows this host.`;
    default:
      return e.message;
  }
}

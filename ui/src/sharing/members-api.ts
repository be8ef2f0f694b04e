import * as v from "valibot";
import { ProjectMember, ProjectMembers } from "../../../src/protocol/members.ts";
import { api, OkResponse } from "../api/http.ts";

/** Members of a shared project (src/protocol/members.ts). */
const base = (projectId: string) => `/api/projects/${encodeURIComponent(projectId)}/members`;

export const listMembers = (projectId: string) => api("GET", base(projectId), ProjectMembers);
export const inviteMember = (projectId: string, username: string, role: string, terminal: boolean) =>
  api("POST", base(projectId), v.object({ member: ProjectMember }), { body: { username, role, terminal } });
export const changeMember = (
  projectId: string,
  userId: string,
  body: { role?: string; terminal?: boolean },
) =>
  api("PATCH", `${base(projectId)}/${encodeURIComponent(userId)}`, v.object({ member: ProjectMember }), {
    body,
  });
export const removeMember = (projectId: string, userId: string) =>
  api("DELETE", `${base(projectId)}/${encodeURIComponent(userId)}`, OkResponse);

export type Member = v.InferOutput<typeof ProjectMember>;

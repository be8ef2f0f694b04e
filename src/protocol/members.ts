import * as v from "valibot";

/**
 * Shared projects (decision 0030). Errors are `{error: {code, message}}` as everywhere.
 *
 *   GET    /api/projects/:id/members               → { owner, members: ProjectMember[] }  (owner and members)
 *   POST   /api/projects/:id/members  {username, role, terminal?} → { member }           (owner)
 *   PATCH  /api/projects/:id/members/:user_id {role?, terminal?}  → { member }           (owner)
 *   DELETE /api/projects/:id/members/:user_id      → { ok: true }  (owner; a member's own id: leave)
 *
 * Anyone else gets `not_found`, as for a missing project; a member asking for an owner's change
 * gets `forbidden`.
 */
export const MemberRole = v.picklist(["viewer", "editor"]);
export type MemberRole = v.InferOutput<typeof MemberRole>;

export const ProjectMember = v.object({
  user_id: v.string(),
  username: v.string(),
  role: MemberRole,
  /** May open a terminal in the owner's sandbox. */
  terminal: v.boolean(),
  created_at: v.number(),
});
export type ProjectMember = v.InferOutput<typeof ProjectMember>;

export const ProjectMembers = v.object({ owner: v.string(), members: v.array(ProjectMember) });

/** How the caller stands in a project, on every project the API lists or shows. */
export const ProjectShare = v.object({
  role: v.picklist(["owner", "editor", "viewer"]),
  terminal: v.boolean(),
  /** The owner's user name. */
  owner: v.string(),
});
export type ProjectShare = v.InferOutput<typeof ProjectShare>;

import type { Database } from "bun:sqlite";
import * as v from "valibot";
import { decode } from "../protocol/decode.ts";
import { fail, ok, type Result } from "../protocol/errors.ts";
import type { ProjectMember } from "../protocol/members.ts";
import { type MemberListRow, type MemberRole, projectMembersRepo } from "../storage/project-members.ts";
import { usersRepo } from "../storage/users.ts";
import { requireProject } from "./access.ts";

/** Someone's standing in a project changed (role, terminal grant, removed, left). */
export type AccessLost = (change: { userId: string; projectId: string; removed: boolean }) => void;

export interface ProjectSharingDeps {
  db: Database;
  now?: () => number;
  /** Ends what the user may no longer have at once: mux watches, file watches, terminals. */
  accessLost?: AccessLost;
}

const Role = v.picklist(["viewer", "editor"], "role: viewer or editor");
const InviteInput = v.strictObject({
  username: v.pipe(v.string("username: a user name"), v.trim(), v.minLength(1, "username: a user name")),
  role: Role,
  terminal: v.optional(v.boolean("terminal: true or false"), false),
});
const ChangeInput = v.strictObject({
  role: v.optional(Role),
  terminal: v.optional(v.boolean("terminal: true or false")),
});

const publicMember = (m: MemberListRow): ProjectMember => ({
  user_id: m.user_id,
  username: m.username,
  role: m.role,
  terminal: m.terminal === 1,
  created_at: m.created_at,
});

/**
 * Members of shared projects (decision 0030). The owner invites by user name, changes roles and
 * the terminal grant, and removes members; members may list them and leave. Everyone else gets
 * `not_found`, exactly as for a missing project.
 */
export function projectSharing(deps: ProjectSharingDeps) {
  const repo = projectMembersRepo(deps.db);
  const now = () => (deps.now ?? Date.now)();
  const memberOf = (projectId: string, userId: string): Result<MemberListRow> => {
    const m = repo.list(projectId).find((x) => x.user_id === userId);
    return m ? ok(m) : fail("not_found", "no such member");
  };
  return {
    list(caller: { id: string }, projectId: string): Result<{ owner: string; members: ProjectMember[] }> {
      const access = requireProject(deps.db, caller, projectId, "read");
      if (!access.ok) return access;
      return ok({ owner: access.value.owner.username, members: repo.list(projectId).map(publicMember) });
    },

    invite(caller: { id: string }, projectId: string, body: unknown): Result<ProjectMember> {
      const access = requireProject(deps.db, caller, projectId, "owner", { ownerNeedForbidden: true });
      if (!access.ok) return access;
      const input = decode(InviteInput, body, "member");
      if (!input.ok) return input;
      const user = usersRepo(deps.db).byUsername(input.value.username);
      if (!user || user.disabled) return fail("not_found", `no user named ${input.value.username}`);
      if (user.id === access.value.owner.id)
        return fail("validation_failed", "username: the owner is already in the project");
      if (repo.get(projectId, user.id)) return fail("conflict", `${user.username} is already a member`);
      repo.insert({
        project_id: projectId,
        user_id: user.id,
        role: input.value.role,
        terminal: input.value.terminal ? 1 : 0,
        added_by: caller.id,
        created_at: now(),
      });
      const added = memberOf(projectId, user.id);
      return added.ok ? ok(publicMember(added.value)) : added;
    },

    change(caller: { id: string }, projectId: string, userId: string, body: unknown): Result<ProjectMember> {
      const access = requireProject(deps.db, caller, projectId, "owner", { ownerNeedForbidden: true });
      if (!access.ok) return access;
      const input = decode(ChangeInput, body, "member");
      if (!input.ok) return input;
      const current = repo.get(projectId, userId);
      if (!current) return fail("not_found", "no such member");
      const role: MemberRole = input.value.role ?? current.role;
      const terminal = input.value.terminal ?? current.terminal === 1;
      repo.update(projectId, userId, { role, terminal: terminal ? 1 : 0 });
      // Every change is announced (the member's open views show the new role); what a lowered
      // role or a taken grant may no longer hold ends there and then.
      deps.accessLost?.({ userId, projectId, removed: false });
      const after = memberOf(projectId, userId);
      return after.ok ? ok(publicMember(after.value)) : after;
    },

    /** The owner removes a member, or a member leaves (their own id). */
    remove(caller: { id: string }, projectId: string, userId: string): Result<void> {
      const self = userId === caller.id;
      const access = requireProject(deps.db, caller, projectId, self ? "read" : "owner", {
        ownerNeedForbidden: true,
      });
      if (!access.ok) return access;
      if (access.value.role === "owner" && self)
        return fail("validation_failed", "the owner cannot leave their own project");
      if (!repo.remove(projectId, userId)) return fail("not_found", "no such member");
      deps.accessLost?.({ userId, projectId, removed: true });
      return ok(undefined);
    },
  };
}

export type ProjectSharing = ReturnType<typeof projectSharing>;

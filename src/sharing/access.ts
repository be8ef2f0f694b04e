import type { Database } from "bun:sqlite";
import { fail, ok, type Result } from "../protocol/errors.ts";
import { projectMembersRepo } from "../storage/project-members.ts";
import { type ProjectRow, projectsRepo } from "../storage/projects.ts";
import { type SessionRow, sessionsRepo } from "../storage/sessions.ts";
import { usersRepo } from "../storage/users.ts";

export type ProjectRole = "owner" | "editor" | "viewer";

/**
 * What a call site needs of the caller (decision 0030): `read` (viewer and up: conversations and
 * files), `write` (editor and up: chat, edit files), `terminal` (the owner, or a member with the
 * terminal grant), `owner` (settings, deletion, membership, and every area not shared).
 */
export type Need = "read" | "write" | "terminal" | "owner";

/** The account whose runner, workspace and history store hold a project. */
export interface ProjectOwner {
  id: string;
  username: string;
}

export interface ProjectAccess {
  row: ProjectRow;
  role: ProjectRole;
  terminal: boolean;
  owner: ProjectOwner;
}

export interface SessionAccess extends ProjectAccess {
  session: SessionRow;
}

const missingProject = () => fail("not_found", "no such project");
const missingSession = () => fail("not_found", "no such session");

/** The caller's standing in a project, or null when it is missing or not theirs to see at all. */
export function projectAccess(db: Database, caller: { id: string }, projectId: string): ProjectAccess | null {
  const row = projectsRepo(db).byId(projectId);
  if (!row) return null;
  const ownerName = () => usersRepo(db).usernameOf(row.user_id);
  if (row.user_id === caller.id) {
    const username = ownerName();
    return username ? { row, role: "owner", terminal: true, owner: { id: row.user_id, username } } : null;
  }
  const member = projectMembersRepo(db).get(projectId, caller.id);
  if (!member) return null;
  const username = ownerName();
  if (!username) return null;
  return { row, role: member.role, terminal: member.terminal === 1, owner: { id: row.user_id, username } };
}

/** Whether a standing satisfies a need. */
export function allows(access: Pick<ProjectAccess, "role" | "terminal">, need: Need): boolean {
  switch (need) {
    case "read":
      return true;
    case "write":
      return access.role !== "viewer";
    case "terminal":
      return access.role === "owner" || access.terminal;
    case "owner":
      return access.role === "owner";
  }
}

/**
 * The one role check. Not the caller's to see (missing, someone else's, not a member) is
 * `not_found`, exactly like a missing project. A member asking for more than their role gives is
 * `forbidden` — except for `owner` needs, which stay `not_found` for members: the owner-only areas
 * (canvas, memory, tasks, schedules, hooks, review, browser) do not exist for them.
 */
export function requireProject(
  db: Database,
  caller: { id: string },
  projectId: string,
  need: Need,
  opts: { ownerNeedForbidden?: boolean } = {},
): Result<ProjectAccess> {
  const access = projectAccess(db, caller, projectId);
  if (!access) return missingProject();
  if (allows(access, need)) return ok(access);
  if (need === "owner" && !opts.ownerNeedForbidden) return missingProject();
  return fail("forbidden", forbiddenMessage(need, access.role));
}

/** A session by id with the caller's standing in its project; spares are nobody's. */
export function requireSession(
  db: Database,
  caller: { id: string },
  sessionId: string,
  need: Need,
): Result<SessionAccess> {
  const session = sessionsRepo(db).byId(sessionId);
  if (!session || session.status === "spare") return missingSession();
  const access = projectAccess(db, caller, session.project_id);
  // A session whose row is not the project owner's (cannot happen today) is nobody else's either.
  if (!access || (access.role !== "owner" && session.user_id !== access.owner.id)) return missingSession();
  if (access.role === "owner" && session.user_id !== caller.id) return missingSession();
  if (!allows(access, need)) {
    if (need === "owner") return missingSession();
    return fail("forbidden", forbiddenMessage(need, access.role));
  }
  return ok({ ...access, session });
}

const forbiddenMessage = (need: Need, role: ProjectRole): string => {
  if (need === "terminal") return "the project's owner has not given you a terminal in this project";
  if (need === "owner") return "only the project's owner can do this";
  return `you are a ${role} of this project: you can read it but not change it`;
};

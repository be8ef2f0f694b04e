import type { Database } from "bun:sqlite";
import { fail, ok, type Result } from "../protocol/errors.ts";
import { projectMembersRepo } from "../storage/project-members.ts";
import { projectAccess } from "./access.ts";

/** One place a person's readable conversations are stored: a history, optionally one project of it. */
export interface HistoryScope {
  /** Whose history store holds them (a shared project's conversations live in its owner's). */
  historyOwner: string;
  projectId?: string;
}

/**
 * Where to look for the conversations a person can read (decision 0030): one project (their own or
 * one shared with them), or everything — their own history, and each project shared with them in
 * its owner's history. A project that is not theirs to see is `not_found`, like a missing one.
 */
export function readableScopes(db: Database, userId: string, projectId?: string): Result<HistoryScope[]> {
  if (projectId) {
    const access = projectAccess(db, { id: userId }, projectId);
    if (!access) return fail("not_found", "no such project");
    return ok([{ historyOwner: access.owner.id, projectId }]);
  }
  return ok([
    { historyOwner: userId },
    ...projectMembersRepo(db)
      .sharedWith(userId)
      .map((p) => ({ historyOwner: p.user_id, projectId: p.id })),
  ]);
}

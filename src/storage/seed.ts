import type { Database } from "bun:sqlite";
import { newId } from "../protocol/ids.ts";
import { projectsRepo } from "./projects.ts";
import { usersRepo } from "./users.ts";

/**
 * A user and one project of theirs, straight into a main database: where unit tests and benches of
 * the per-project features (memory, tasks, canvas, schedules) start from.
 */
export function seedUserProject(
  db: Database,
  opts: { username?: string; name?: string; slug?: string; now?: number } = {},
): { userId: string; projectId: string } {
  const now = opts.now ?? Date.now();
  const userId = newId("usr");
  usersRepo(db).insert({
    id: userId,
    username: opts.username ?? "ann",
    password_hash: "x",
    role: "user",
    linux_user: null,
    disabled: 0,
    created_at: now,
    updated_at: now,
  });
  const projectId = newId("prj");
  projectsRepo(db).insert({
    id: projectId,
    user_id: userId,
    name: opts.name ?? "P",
    slug: opts.slug ?? "p",
    profile: "default",
    default_model: null,
    template: null,
    created_at: now,
    updated_at: now,
    last_activity_at: now,
  });
  return { userId, projectId };
}

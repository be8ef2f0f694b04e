import type { Database } from "bun:sqlite";
import type { TaskStatus } from "../protocol/tasks.ts";

/** Who makes a change: a person in the UI, or an agent session (through its tool token). */
export type TaskActorRef = { kind: "person"; userId: string } | { kind: "session"; sessionId: string };

/** The user and one of their projects; `ownsProject` is checked on every call anyway. */
export interface TaskScope {
  userId: string;
  projectId: string;
}

export interface TaskDeps {
  db: Database;
  ownsProject(userId: string, projectId: string): boolean;
  usernameOf(userId: string): string | null;
  changed(userId: string, projectId: string): void;
  now?: () => number;
}

export interface TaskFilter {
  status?: TaskStatus;
  ready?: boolean;
  label?: string;
  assignee?: string;
  q?: string;
}

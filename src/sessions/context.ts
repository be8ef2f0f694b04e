import type { Database } from "bun:sqlite";
import type { HistoryStore } from "../history/store.ts";
import type { LlmService } from "../llm/service.ts";
import type { ProjectDeps } from "../projects/service.ts";
import type { AgentEvent } from "../protocol/agent-events.ts";
import { fail } from "../protocol/errors.ts";
import type { RunnerManager } from "../runners/manager.ts";
import type { Placement } from "../runners/placement.ts";
import type { Logger } from "../shared/log.ts";
import { type SessionRow, type SessionsRepo, sessionsRepo } from "../storage/sessions.ts";
import type { ToolTokens } from "../tools/tokens.ts";

export interface UsedMemory {
  id: string;
  text: string;
  scope: "project" | "user";
}

import { ActivityLog } from "./activity.ts";
import type { SessionHub } from "./hub.ts";

export interface SessionServiceDeps {
  db: Database;
  hub: SessionHub;
  historyFor: (userId: string) => HistoryStore;
  runners: RunnerManager;
  llm: LlmService;
  projects: ProjectDeps;
  placement: Placement;
  defaultModel: string;
  idleTimeoutMs: number;
  /** Per user: pre-started agents kept for the project they last started a conversation in (0 = off). */
  warmAgents?: number;
  /** Bytes of memory the host has available (MemAvailable); no spare is started below a floor. */
  memAvailable?: () => number;
  /** Why no agent can start on this host (a missing sandbox tool), checked before each launch. */
  sandboxProblem?: () => string | undefined;
  /** Per runner user: above this many bytes of agents (PSS), idle agents are stopped early. 0 = none. */
  agentMemoryCeilingBytes?: number;
  log: Logger;
  now?: () => number;
  /** Least time between two writes of a session's `last_active_at`. */
  activityIntervalMs?: number;
  /**
   * The memories most relevant to a new conversation's first prompt, when its project opted in
   * ("used N memories"); absent or empty: the prompt goes as typed.
   */
  memoriesFor?: (userId: string, projectId: string, text: string) => Promise<UsedMemory[]>;
  /** Whether a session is shared read-only with a user (src/sharing/conversations.ts); absent: never. */
  sharedWith?: (sessionId: string, userId: string) => boolean;
  /** A session is about to be deleted (its shares go with it): tell whoever it was shared with. */
  deleting?: (row: SessionRow) => void;
  /** Each launch gets a fresh tool token (`OCTO_TOOL_TOKEN`); closing or deleting the session ends it. */
  toolTokens?: ToolTokens;
}

/** What the session modules share: the deps, the sessions table, the clock and the activity log. */
export interface SessionContext {
  readonly deps: SessionServiceDeps;
  readonly repo: SessionsRepo;
  readonly activity: ActivityLog;
  now(): number;
  /** Store and fan out events that the server itself says about a session. */
  publish(row: SessionRow, events: AgentEvent[]): void;
}

export function createSessionContext(deps: SessionServiceDeps): SessionContext {
  const repo = sessionsRepo(deps.db);
  const now = () => (deps.now ?? Date.now)();
  return {
    deps,
    repo,
    now,
    activity: new ActivityLog(
      (id, at) => repo.update(id, { last_active_at: at }, now()),
      now,
      deps.activityIntervalMs,
    ),
    publish: (row, events) =>
      deps.hub.publish(row.user_id, { id: row.id, project_id: row.project_id }, events),
  };
}

export const notFound = () => fail("not_found", "no such session");

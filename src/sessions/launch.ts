import { piModelArgs } from "../llm/pi-config.ts";
import type { SpawnParams } from "../protocol/runner.ts";
import type { SessionRow } from "../storage/sessions.ts";

/** The placeholder the runner replaces with the in-sandbox LLM relay URL when it writes models.json. */
export const LLM_URL_PLACEHOLDER = "@OCTO_LLM_URL@";

/** A fork's starting point: a copy of another session's pi files, branched before its n-th user message. */
export type ForkPoint =
  | { fork_from: string; fork_at: number }
  /** A conversation copied from another user's: pi starts from this session file (`pi-seed.ts`). */
  | { seed_session: string };

export interface AgentLaunch {
  /** The project folder as the runner sees it. */
  projectDir: string;
  /** The user's gateway directory (its LLM socket), bound into the sandbox whole. */
  gatewayDir: string;
  /** pi's environment: the session's LLM token, never a provider key. */
  env: Record<string, string>;
  /** pi's models.json, with `LLM_URL_PLACEHOLDER` where the relay URL goes. */
  models: unknown;
  /** Continue pi's own latest session (a revival after reaping or a crash). */
  resume: boolean;
  fork?: ForkPoint;
}

/** What the runner is asked to start for a session's agent (the runner fills in `user`). */
export function agentSpawnSpec(row: SessionRow, launch: AgentLaunch): Omit<SpawnParams, "user"> {
  return {
    kind: "agent",
    profile: row.profile,
    project: launch.projectDir,
    argv: ["pi"],
    env: launch.env,
    tag: row.id,
    gateway_dir: launch.gatewayDir,
    agent: {
      session_key: row.id,
      models_json: JSON.stringify(launch.models),
      model_args: piModelArgs(row.model ?? ""),
      resume: launch.resume,
      ...launch.fork,
    },
  };
}

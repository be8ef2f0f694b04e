import { parseDuration } from "../config/index.ts";
import { HistoryRegistry } from "../history/registry.ts";
import { pickableModels } from "../llm/providers.ts";
import { createLlmService, type LlmService } from "../llm/service.ts";
import { runnerProjectFolders } from "../projects/folders.ts";
import type { ProjectDeps } from "../projects/service.ts";
import { SessionHub } from "../sessions/hub.ts";
import { SessionService } from "../sessions/service.ts";
import { listProfiles } from "../shared/profiles.ts";
import { createToolService, type ToolService } from "../tools/wiring.ts";
import type { ServerContext } from "./context.ts";

/** The domain services behind the HTTP routes and the mux, built once at start-up. */
export interface Services {
  llm: LlmService;
  history: HistoryRegistry;
  hub: SessionHub;
  projects: ProjectDeps;
  sessions: SessionService;
  /** The agents' tool path: tool tokens, the dispatcher runners forward calls to, web search. */
  tools: ToolService;
  /** A user is being deleted: stop their agents, close their history (the caller deletes the rest). */
  removeUserData(user: { id: string; username: string }): Promise<void>;
  /** `drainMs`: how long in-flight model streams may run on before the LLM sockets close. */
  stop(drainMs?: number): Promise<void>;
}

export function createServices(ctx: Omit<ServerContext, "services">): Services {
  const llm = createLlmService({ db: ctx.db, config: ctx.config, log: ctx.log });
  const history = new HistoryRegistry(ctx.config.paths.dataDir);
  const hub = new SessionHub((userId) => history.for(userId));
  const projects: ProjectDeps = {
    db: ctx.db,
    folders: runnerProjectFolders(ctx.runners, ctx.placement),
    profiles: () => listProfiles().map((p) => p.name),
    models: () => pickableModels(llm.providerDeps).map((m) => m.id),
  };
  // ── tools (decision 0008): answers the calls runners forward from sandboxes ──
  const tools = createToolService({
    db: ctx.db,
    config: ctx.config,
    placement: ctx.placement,
    runners: ctx.runners,
    log: ctx.log.child({ area: "tools" }),
  });
  const sessions = new SessionService({
    toolTokens: tools.tokens,
    db: ctx.db,
    hub,
    historyFor: (userId) => history.for(userId),
    runners: ctx.runners,
    llm,
    projects,
    placement: ctx.placement,
    defaultModel: ctx.config.llm.default_model,
    idleTimeoutMs: parseDuration(ctx.config.runner.idle_timeout),
    log: ctx.log.child({ area: "sessions" }),
  });
  return {
    llm,
    history,
    hub,
    projects,
    sessions,
    tools,
    async removeUserData(user) {
      await sessions.deleteForUser(user.id);
      tools.tokens.revokeUser(user.id);
      await llm.stopSocket(user.id);
      history.remove(user.id);
      if (ctx.mode === "multi-user") await ctx.runners.removeUser?.(user.username);
    },
    async stop(drainMs) {
      await sessions.stop();
      await llm.stop(drainMs);
      history.close();
    },
  };
}

import { parseDuration } from "../config/index.ts";
import { HistoryRegistry } from "../history/registry.ts";
import { pickableModels } from "../llm/providers.ts";
import { createLlmService, type LlmService } from "../llm/service.ts";
import { runnerProjectFolders } from "../projects/folders.ts";
import type { ProjectDeps } from "../projects/service.ts";
import { SessionHub } from "../sessions/hub.ts";
import { SessionService } from "../sessions/service.ts";
import { listProfiles } from "../shared/profiles.ts";
import type { ServerContext } from "./context.ts";

/** The domain services behind the HTTP routes and the mux, built once at start-up. */
export interface Services {
  llm: LlmService;
  history: HistoryRegistry;
  hub: SessionHub;
  projects: ProjectDeps;
  sessions: SessionService;
  /** A user is being deleted: stop their agents, close their history (the caller deletes the rest). */
  removeUserData(user: { id: string; username: string }): Promise<void>;
  /** Model streams are not ours to wait for: they live in the LLM gateway, which outlives us. */
  stop(): Promise<void>;
}

export function createServices(ctx: Omit<ServerContext, "services">): Services {
  const llm = createLlmService({
    db: ctx.db,
    config: ctx.config,
    log: ctx.log,
    // `octo install` runs the gateway as a unit of its own (src/install/units.ts).
    externalGateway: process.env.OCTO_LLM_GATEWAY === "external",
  });
  llm.gateway.watch();
  const history = new HistoryRegistry(ctx.config.paths.dataDir);
  const hub = new SessionHub((userId) => history.for(userId));
  const projects: ProjectDeps = {
    db: ctx.db,
    folders: runnerProjectFolders(ctx.runners, ctx.placement),
    profiles: () => listProfiles().map((p) => p.name),
    models: () => pickableModels(llm.providerDeps).map((m) => m.id),
  };
  const sessions = new SessionService({
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
    async removeUserData(user) {
      await sessions.deleteForUser(user.id);
      await llm.gateway.removeUser(user.id);
      history.remove(user.id);
      if (ctx.mode === "multi-user") await ctx.runners.removeUser?.(user.username);
    },
    async stop() {
      llm.gateway.close();
      await sessions.stop();
      history.close();
    },
  };
}

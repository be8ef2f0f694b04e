import type { Database } from "bun:sqlite";
import { type AdminService, createAdminService } from "../admin/service.ts";
import { type AuthService, createAuthService } from "../auth/service.ts";
import { SignIns } from "../auth/sign-ins.ts";
import { browserChannel } from "../browser/channel.ts";
import { BrowserHub } from "../browser/hub.ts";
import { CanvasService } from "../canvas/service.ts";
import { canvasArea } from "../canvas/tool.ts";
import { type LoadedConfig, parseDuration, type ServerMode } from "../config/index.ts";
import { type FileAccess, fileAccess } from "../files/access.ts";
import { filesChannel } from "../files/channel.ts";
import { ProjectWatches } from "../files/watches.ts";
import { HistoryRegistry } from "../history/registry.ts";
import { pickableModels } from "../llm/providers.ts";
import { createLlmService, type LlmService } from "../llm/service.ts";
import { MemoryService } from "../memory/service.ts";
import { latestAssistantMessage, memoryArea } from "../memory/tool.ts";
import type { AgentService, ChannelHandler } from "../mux/connection.ts";
import { changesChannel, ProjectChanges } from "../projects/changes.ts";
import { runnerProjectFolders } from "../projects/folders.ts";
import { createProjectService, type ProjectDeps, type ProjectService } from "../projects/service.ts";
import type { Channel } from "../protocol/mux.ts";
import { type RunnerManager, runnerManagerFromConfig } from "../runners/manager.ts";
import { createPlacement, type Placement } from "../runners/placement.ts";
import { SessionHub } from "../sessions/hub.ts";
import { SessionService } from "../sessions/service.ts";
import { checkHostTools, missingToolsMessage } from "../shared/host-tools.ts";
import type { Logger } from "../shared/log.ts";
import { dataPaths } from "../shared/paths.ts";
import { listProfiles } from "../shared/profiles.ts";
import { projectsRepo } from "../storage/projects.ts";
import { usersRepo } from "../storage/users.ts";
import { taskFilesThrough } from "../tasks/files.ts";
import { TaskService } from "../tasks/service.ts";
import { taskArea } from "../tasks/tool.ts";
import { terminalChannel } from "../terminals/channel.ts";
import { TerminalService } from "../terminals/service.ts";
import { once } from "../tools/once.ts";
import { createToolService, type ToolService } from "../tools/wiring.ts";

/** What the object graph is built from: configuration and the opened main database. */
export interface ServicesInput {
  config: LoadedConfig;
  db: Database;
  log: Logger;
  version: string;
  mode: ServerMode;
  /** HMAC key for session JWTs; loaded or generated at start-up, never logged. */
  jwtSecret: string;
  startedAt: number;
}

/** What `/api/ws/mux` serves: agent sessions over the hub, and the feature channels. */
export interface MuxServices {
  hub: SessionHub;
  agents: AgentService;
  channels: Partial<Record<Exclude<Channel, "agent" | "system">, ChannelHandler>>;
}

/** The domain services behind the HTTP routes and the mux, built once at start-up. */
export interface Services {
  /** "The runner for user X" (lazy: nothing starts until first use or `warmUpRunners`). */
  runners: RunnerManager;
  /** Where each user's runner, project folders and LLM socket are. */
  placement: Placement;
  auth: AuthService;
  /** Live sign-ins: ending them closes the user's sockets and terminals at once. */
  signIns: SignIns;
  admin: AdminService;
  llm: LlmService;
  history: HistoryRegistry;
  hub: SessionHub;
  projects: ProjectService;
  sessions: SessionService;
  /** Shells in project sandboxes (the mux `terminal` channel). */
  terminals: TerminalService;
  /** A caller's project files, through their runner (HTTP downloads and uploads). */
  files: FileAccess;
  mux: MuxServices;
  /** The agents' tool path: tool tokens, the dispatcher runners forward calls to, web search. */
  tools: ToolService;
  /** Memories of projects and users (FTS5 search), every change attributed. */
  memory: MemoryService;
  /** Each project's task tracker. */
  tasks: TaskService;
  /** Each project's canvas: published artifacts and their revisions. */
  canvas: CanvasService;
  /** Model streams are not ours to wait for: they live in the LLM gateway, which outlives us. */
  stop(): Promise<void>;
}

/** The composition root: every service and channel of the server, wired once. */
export function createServices(input: ServicesInput): Services {
  const { config, db, log, mode } = input;
  const runners = runnerManagerFromConfig(config, mode, log);
  const placement = createPlacement(mode, config.paths);
  const linuxPrefix = config.local.linux_users.enabled ? config.local.linux_users.prefix : undefined;
  const llm = createLlmService({
    db,
    config,
    log,
    // `octo install` runs the gateway as a unit of its own (src/install/units.ts).
    externalGateway: process.env.OCTO_LLM_GATEWAY === "external",
  });
  llm.gateway.watch();
  const history = new HistoryRegistry(config.paths.dataDir);
  const hub = new SessionHub((userId) => history.for(userId));
  const browsers = new BrowserHub();
  runners.setBrowserListener((runnerUser, event) => browsers.onRunnerEvent(runnerUser, event));
  const projectDeps: ProjectDeps = {
    db,
    folders: runnerProjectFolders(runners, placement),
    profiles: () => listProfiles().map((p) => p.name),
    models: () => pickableModels(llm.providerDeps).map((m) => m.id),
  };
  // ── memory and tasks: the Memory and Tasks tabs, and the agent's `memory`/`task` tool areas ──
  const changes = new ProjectChanges();
  const usernameOf = (userId: string) => usersRepo(db).byId(userId)?.username ?? null;
  const memory = new MemoryService({
    db,
    usernameOf,
    changed: (userId, projectId) => changes.changed(userId, projectId, "memory"),
  });
  const tasks = new TaskService({
    db,
    usernameOf,
    ownsProject: (userId, projectId) => projectsRepo(db).byId(projectId)?.user_id === userId,
    changed: (userId, projectId) => changes.changed(userId, projectId, "tasks"),
  });
  const canvas = new CanvasService({
    db,
    usernameOf,
    changed: (userId, projectId) => changes.changed(userId, projectId, "canvas"),
  });
  // ── tools (decision 0010): answers the calls runners forward from sandboxes ──
  const tools = createToolService({
    db,
    config,
    placement,
    runners,
    // Calls that change something may arrive twice (decision 0010): they act once.
    areas: {
      memory: once(
        memoryArea(memory, (ctx) => latestAssistantMessage(history.for(ctx.user.id), ctx.sessionId)),
        ["add", "edit", "forget"],
        db,
      ),
      task: once(
        taskArea(
          tasks,
          taskFilesThrough(() => files),
        ),
        ["add", "update", "comment", "close", "export", "import"],
        db,
      ),
      canvas: once(canvasArea(canvas), ["publish"], db),
    },
    log: log.child({ area: "tools" }),
  });
  const sessions = new SessionService({
    toolTokens: tools.tokens,
    db,
    hub,
    historyFor: (userId) => history.for(userId),
    runners,
    llm,
    projects: projectDeps,
    placement,
    defaultModel: config.llm.default_model,
    idleTimeoutMs: parseDuration(config.runner.idle_timeout),
    sandboxProblem: () => missingToolsMessage(checkHostTools()),
    agentMemoryCeilingBytes: config.runner.agent_memory_ceiling_mb * 1048576,
    log: log.child({ area: "sessions" }),
  });
  // Deleting a project first stops its shells and agents; terminals and files find projects here.
  const projects = createProjectService(projectDeps, async (owner, projectId) => {
    await terminals.closeProject(owner, projectId);
    await sessions.deleteForProject(owner, projectId);
  });
  const terminals = new TerminalService({
    runners,
    findProject: (caller, projectId) => projects.get(caller, projectId),
    projectDir: (caller, project) => placement.project(caller.username, project.slug).projectDir,
    log: log.child({ component: "terminals" }),
    maxPerUser: config.server.max_terminals_per_user,
  });
  const signIns = new SignIns(db);
  // A user whose sign-ins all end (disabled, password changed, deleted) keeps no shell running.
  signIns.onEnd((ended) => {
    if (ended.sid === undefined) void terminals.closeAllOf(ended.userId);
  });
  const files = fileAccess({
    project: (caller, projectId) => projects.get(caller, projectId),
    runners,
    placement,
  });

  const removeUserData = async (user: { id: string; username: string }) => {
    // Their agents stop and their history closes before the account and its data go.
    await sessions.deleteForUser(user.id);
    tools.tokens.revokeUser(user.id);
    await llm.gateway.removeUser(user.id);
    history.remove(user.id);
    if (mode === "multi-user") await runners.removeUser?.(user.username);
  };
  return {
    runners,
    placement,
    auth: createAuthService({
      db,
      jwtSecret: input.jwtSecret,
      tokenTtlMs: parseDuration(config.auth.token_ttl),
      loginAttemptsPerMinute: config.auth.login_attempts_per_minute,
      signIns,
      linuxPrefix,
    }),
    signIns,
    admin: createAdminService({
      db,
      runners,
      version: input.version,
      mode,
      startedAt: input.startedAt,
      linuxPrefix,
      dirs: { data: config.paths.dataDir, workspaces: config.paths.workspaceDir },
      userDir: dataPaths(config.paths.dataDir).userDir,
      removeUserData,
      signIns,
    }),
    llm,
    history,
    hub,
    projects,
    sessions,
    tools,
    terminals,
    files,
    memory,
    tasks,
    canvas,
    mux: {
      hub,
      agents: sessions,
      channels: {
        terminal: terminalChannel(terminals),
        files: filesChannel(files, new ProjectWatches(log.child({ component: "files" }))),
        changes: changesChannel(changes, (caller, projectId) => projects.get(caller, projectId)),
        browser: browserChannel(browsers, sessions, placement, runners),
      },
    },
    async stop() {
      llm.gateway.close();
      await sessions.stop();
      history.close();
    },
  };
}

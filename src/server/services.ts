import type { Database } from "bun:sqlite";
import { type AdminService, createAdminService } from "../admin/service.ts";
import { resolveOidcClients } from "../auth/oidc/clients.ts";
import type { OidcClient } from "../auth/oidc/code-flow.ts";
import { createOidcService, type OidcService } from "../auth/oidc/service.ts";
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
import { embeddingModel } from "../llm/embedding-model.ts";
import { pickableModels } from "../llm/providers.ts";
import { createLlmService, type LlmService } from "../llm/service.ts";
import type { MemoryEmbedder } from "../memory/embedder.ts";
import { MemoryService } from "../memory/service.ts";
import { latestAssistantMessage, memoryArea } from "../memory/tool.ts";
import { memoryVectors } from "../memory/vectors.ts";
import type { AgentService, ChannelHandler, MuxConnection } from "../mux/connection.ts";
import { UserSockets } from "../mux/sockets.ts";
import { watchBrowserAsks } from "../notifications/browser-asks.ts";
import { budgetNotice } from "../notifications/budgets.ts";
import { notifyChannel } from "../notifications/channel.ts";
import { pushSender } from "../notifications/push.ts";
import { scheduleNotice } from "../notifications/schedules.ts";
import { NotificationService } from "../notifications/service.ts";
import { TurnWatcher } from "../notifications/turns.ts";
import { loadOrCreateVapidKeys } from "../notifications/vapid.ts";
import { changesChannel, ProjectChanges } from "../projects/changes.ts";
import { runnerProjectFolders } from "../projects/folders.ts";
import { createProjectService, type ProjectDeps, type ProjectService } from "../projects/service.ts";
import { commitEmail } from "../protocol/api.ts";
import { ok } from "../protocol/errors.ts";
import type { Channel } from "../protocol/mux.ts";
import { GitAccount } from "../review/git-account.ts";
import { ReviewService } from "../review/service.ts";
import { type RunnerManager, runnerManagerFromConfig } from "../runners/manager.ts";
import { createPlacement, type Placement } from "../runners/placement.ts";
import { scheduleArea } from "../schedules/tool.ts";
import { createScheduleModule, modelChecker, type ScheduleModule, sessionRuns } from "../schedules/wiring.ts";
import { SessionHub } from "../sessions/hub.ts";
import { SessionService } from "../sessions/service.ts";
import { checkHostTools, missingToolsMessage } from "../shared/host-tools.ts";
import type { Logger } from "../shared/log.ts";
import { dataPaths } from "../shared/paths.ts";
import { listProfiles } from "../shared/profiles.ts";
import { requireProject, requireSession } from "../sharing/access.ts";
import { ConversationSharing } from "../sharing/conversations.ts";
import { AccessEvents } from "../sharing/events.ts";
import { type ProjectSharing, projectSharing } from "../sharing/projects.ts";
import { projectMembersRepo } from "../storage/project-members.ts";
import { projectsRepo } from "../storage/projects.ts";
import { sessionsRepo } from "../storage/sessions.ts";
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
  /** `[[auth.oidc]]` with secrets read; read from config and the environment when absent. */
  oidcClients?: OidcClient[];
}

/** What `/api/ws/mux` serves: agent sessions over the hub, and the feature channels. */
export interface MuxServices {
  hub: SessionHub;
  agents: AgentService;
  channels: Partial<Record<Exclude<Channel, "agent" | "system">, ChannelHandler>>;
  /** The open sockets by user: sign-in ends and revoked shares reach them here. */
  sockets: UserSockets<MuxConnection>;
}

/** The domain services behind the HTTP routes and the mux, built once at start-up. */
export interface Services {
  /** "The runner for user X" (lazy: nothing starts until first use or `warmUpRunners`). */
  runners: RunnerManager;
  /** Where each user's runner, project folders and LLM socket are. */
  placement: Placement;
  auth: AuthService;
  /** Single sign-on with OpenID Connect providers. */
  oidc: OidcService;
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
  /** Embeds memories in the background when an embedding model is configured (decision 0019). */
  memoryEmbedder: MemoryEmbedder;
  /** Each project's task tracker. */
  tasks: TaskService;
  /** What agents changed, checkpoints, restore and discard (the runner does the file work). */
  review: ReviewService;
  /** A person's commit e-mail and git credentials (write-only tokens). */
  gitAccount: GitAccount;
  /** Schedules, webhooks and the runs they start; `start()` once the agents are re-attached. */
  schedules: ScheduleModule;
  /** The bell and Web Push: `notifications.notify(userId, event)` is the one way in. */
  notifications: NotificationService;
  /** Each project's canvas: published artifacts and their revisions. */
  canvas: CanvasService;
  /** Conversations shared read-only with other users (issue 15). */
  sharing: ConversationSharing;
  /** Members of shared projects (decision 0030). */
  members: ProjectSharing;
  /** Someone lost access to a project: mux watches, file watches and terminals end at once. */
  access: AccessEvents;
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
  // ── notifications: turn ends read off the stored events, browser help requests, Web Push ──
  const vapid = loadOrCreateVapidKeys(dataPaths(config.paths.dataDir).vapidKeys);
  const notifications = new NotificationService({
    db,
    log: log.child({ area: "notifications" }),
    vapidPublicKey: vapid.publicKey,
    push: pushSender({
      vapid,
      subject: pushContact(config.server.push_contact, config.server.public_url),
    }),
    allowHttpEndpoints: config.server.push_allow_http_loopback,
  });
  const describeSession = (sessionId: string): string | null => {
    const row = sessionsRepo(db).byId(sessionId);
    if (!row) return null;
    const project = projectsRepo(db).byId(row.project_id)?.name;
    const title = row.title || "New conversation";
    return project ? `${title} · ${project}` : title;
  };
  const turns = new TurnWatcher({
    notify: (userId, input) => void notifications.notify(userId, input),
    describe: describeSession,
    wasWorking: (userId, sessionId, beforeSeq) => history.for(userId).midTurn(sessionId, 2000, beforeSeq),
    creatorOf: (sessionId) => sessionsRepo(db).byId(sessionId)?.created_by ?? null,
    canOpen: (userId, sessionId) => requireSession(db, { id: userId }, sessionId, "read").ok,
  });
  hub.observe(turns.observe);
  const stopBudgetNotices = llm.budgetEvents.on((e) =>
    notifications.notify(
      e.user_id,
      budgetNotice(e, (id) => sessionsRepo(db).byId(id)?.project_id ?? null),
    ),
  );
  const onBrowserEvent = watchBrowserAsks({
    sessionOwner: (sessionId) => {
      const row = sessionsRepo(db).byId(sessionId);
      const user = row ? usersRepo(db).byId(row.user_id) : null;
      return row && user
        ? { userId: row.user_id, runnerUser: placement.runnerUser(user.username), projectId: row.project_id }
        : null;
    },
    describe: describeSession,
    notify: (userId, input) => void notifications.notify(userId, input),
  });
  runners.setBrowserListener((runnerUser, event) => {
    browsers.onRunnerEvent(runnerUser, event);
    onBrowserEvent(runnerUser, event);
  });
  const projectDeps: ProjectDeps = {
    db,
    folders: runnerProjectFolders(runners, placement),
    profiles: () => listProfiles().map((p) => p.name),
    models: () => pickableModels(llm.providerDeps).map((m) => m.id),
  };
  // ── memory and tasks: the Memory and Tasks tabs, and the agent's `memory`/`task` tool areas ──
  const changes = new ProjectChanges();
  const usernameOf = (userId: string) => usersRepo(db).byId(userId)?.username ?? null;
  const { vectors, embedder: memoryEmbedder } = memoryVectors({
    db,
    model: () => embeddingModel(llm.providerDeps)?.ref ?? null,
    embed: (userId, projectId, texts, timeoutMs) => llm.gateway.embed(userId, projectId, texts, timeoutMs),
    log: log.child({ area: "memory" }),
  });
  const memory = new MemoryService({
    db,
    usernameOf,
    changed: (userId, projectId) => changes.changed(userId, projectId, "memory"),
    vectors,
  });
  // Memories left without a vector of the current model (a restart mid-way, a changed model).
  vectors.model();
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
      // Bound late: the schedule module needs the sessions, which need the tool tokens.
      schedule: once(
        scheduleArea(() => schedules.schedules),
        ["propose"],
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
    warmAgents: config.runner.warm_agents,
    sandboxProblem: () => missingToolsMessage(checkHostTools()),
    agentMemoryCeilingBytes: config.runner.agent_memory_ceiling_mb * 1048576,
    memoriesFor: async (userId, projectId, text) =>
      (
        await memory.relevant({ userId, projectId }, text, {
          limit: 5,
          minSimilarity: config.memory.context_min_similarity,
          minTermShare: config.memory.context_min_term_share,
        })
      ).map((m) => ({
        id: m.id,
        text: m.text,
        scope: m.scope,
      })),
    log: log.child({ area: "sessions" }),
    sharedWith: (sessionId, userId) => sharing.isSharedWith(sessionId, userId),
    deleting: (row) => sharing.deleting(row),
  });
  const schedules: ScheduleModule = createScheduleModule({
    db,
    hub,
    checkModel: modelChecker(llm),
    changed: (userId, projectId) => changes.changed(userId, projectId, "schedules"),
    sessions: sessionRuns({ db, sessions, historyFor: (userId) => history.for(userId), llm }),
    config: {
      graceMs: parseDuration(config.schedules.catch_up_grace),
      maxRunMs: parseDuration(config.schedules.max_run_duration),
      minIntervalMs: parseDuration(config.schedules.min_interval),
      hookMaxBodyBytes: config.schedules.hook_max_body_bytes,
      hookReplayWindowMs: parseDuration(config.schedules.hook_replay_window),
      hookRatePerMinute: config.schedules.hook_rate_per_minute,
    },
    log: log.child({ area: "schedules" }),
  });
  // A run that ended tells its owner (the bell, and their devices when they asked for it).
  const stopScheduleNotices = schedules.events.on(
    (e) => void notifications.notify(e.userId, scheduleNotice(e)),
  );
  // Deleting a project first stops its shells and agents; terminals and files find projects here.
  const projects = createProjectService(projectDeps, async (owner, projectId) => {
    await terminals.closeProject(owner, projectId);
    await sessions.deleteForProject(owner, projectId);
  });
  const terminals = new TerminalService({
    runners,
    // The owner, or a member with the terminal grant: a shell in the OWNER's sandbox (decision 0030).
    findProject: (caller, projectId) => {
      const access = requireProject(db, caller, projectId, "terminal");
      return access.ok ? ok({ ...access.value.row, ownerUsername: access.value.owner.username }) : access;
    },
    projectDir: (caller, project) =>
      placement.project(project.ownerUsername ?? caller.username, project.slug).projectDir,
    log: log.child({ component: "terminals" }),
    maxPerUser: config.server.max_terminals_per_user,
  });
  const signIns = new SignIns(db);
  // A user whose sign-ins all end (disabled, password changed, deleted) keeps no shell running.
  signIns.onEnd((ended) => {
    if (ended.sid === undefined) void terminals.closeAllOf(ended.userId);
  });
  const sockets = new UserSockets<MuxConnection>(signIns, config.server.max_sockets_per_user);
  const sharing = new ConversationSharing({
    db,
    sessions,
    sockets: () => sockets,
    audit: log.child({ area: "audit" }),
  });
  hub.observe(sharing.observe);
  // A deleted account takes its conversations, and their shares, with it: viewers stop at once.
  signIns.onEnd((ended) => {
    if (ended.reason === "account_deleted") sharing.accountDeleted();
  });
  const files = fileAccess({
    // Shared projects (decision 0030): members read (viewers) or change (editors) through the owner's runner.
    project: (caller, projectId, need) => requireProject(db, caller, projectId, need),
    runners,
    placement,
    record: (caller, projectId, op, path) =>
      projectMembersRepo(db).recordFileChange({
        project_id: projectId,
        user_id: caller.id,
        op,
        path,
        at: Date.now(),
      }),
  });

  const access = new AccessEvents();
  const members = projectSharing({ db, accessLost: (change) => access.emit(change) });
  // A member removed or without the terminal grant keeps no shell in the owner's sandbox.
  access.on((change) => {
    if (!requireProject(db, { id: change.userId }, change.projectId, "terminal").ok)
      void terminals.closeFor(change.userId, change.projectId);
  });

  const removeUserData = async (user: { id: string; username: string }) => {
    // Their agents stop and their history closes before the account and its data go.
    await sessions.deleteForUser(user.id);
    tools.tokens.revokeUser(user.id);
    await llm.gateway.removeUser(user.id);
    history.remove(user.id);
    if (mode === "multi-user") await runners.removeUser?.(user.username);
  };
  const gitAccount = new GitAccount(db);
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
    oidc: createOidcService({
      db,
      jwtSecret: input.jwtSecret,
      tokenTtlMs: parseDuration(config.auth.token_ttl),
      clients: input.oidcClients ?? oidcClientsOrThrow(config),
      linuxPrefix,
      log,
    }),
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
    memoryEmbedder,
    tasks,
    gitAccount,
    review: new ReviewService({
      session: (caller, sessionId) => sessions.info(caller, sessionId),
      project: (caller, projectId) => projects.get(caller, projectId),
      messages: (userId, sessionId) => history.for(userId).messages(sessionId, { limit: 1_000_000 }),
      runners,
      placement,
      author: (caller) => {
        const row = usersRepo(db).byId(caller.id);
        return {
          name: caller.username,
          email: commitEmail({ username: caller.username, email: row?.email }),
        };
      },
      credential: (caller, host) => gitAccount.credentialFor(caller.id, host),
      createProject: (caller, input) => projects.create(caller, { ...input, template: "blank" }),
      removeProject: (caller, projectId) => projects.remove(caller, projectId),
    }),
    schedules,
    notifications,
    canvas,
    sharing,
    members,
    access,
    mux: {
      hub,
      agents: sessions,
      sockets,
      channels: {
        terminal: terminalChannel(terminals),
        files: filesChannel(files, new ProjectWatches(log.child({ component: "files" }))),
        changes: changesChannel(changes, (caller, projectId) => projects.get(caller, projectId)),
        browser: browserChannel(browsers, sessions, placement, runners),
        notify: notifyChannel(notifications),
      },
    },
    async stop() {
      schedules.stop();
      stopScheduleNotices();
      llm.gateway.close();
      stopBudgetNotices();
      await notifications.settled();
      memoryEmbedder.stop();
      await sessions.stop();
      history.close();
    },
  };
}

/** The VAPID subject: the configured contact, else the public site, else a mailto on this host. */
function pushContact(configured: string, publicUrl: string): string {
  if (configured) return configured;
  if (publicUrl.startsWith("https://")) return publicUrl;
  return "mailto:octo@localhost";
}

function oidcClientsOrThrow(config: LoadedConfig): OidcClient[] {
  const resolved = resolveOidcClients(config.auth.oidc, process.env);
  if (!resolved.ok) throw new Error(resolved.error.message);
  return resolved.value;
}

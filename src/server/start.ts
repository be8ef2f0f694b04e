import { mkdirSync } from "node:fs";
import { homedir } from "node:os";
import { resolveOidcClients } from "../auth/oidc/clients.ts";
import { type LoadedConfig, type LoadOptions, loadConfig, modeOf } from "../config/index.ts";
import { adminSocketPath, startAdminSocket } from "../http/admin-socket.ts";
import { createApp } from "../http/app.ts";
import { backstopBodyLimit } from "../http/body-limit.ts";
import { fail, ok, type Result } from "../protocol/errors.ts";
import { warmUpRunners } from "../runners/manager.ts";
import { prepareSharedWorkspace } from "../runners/shared-workspace.ts";
import { checkHostTools, missingToolsMessage } from "../shared/host-tools.ts";
import { createLogger, type Logger } from "../shared/log.ts";
import { dataPaths } from "../shared/paths.ts";
import { VERSION } from "../shared/version.ts";
import { openMainDb } from "../storage/main-db.ts";
import { projectsRepo } from "../storage/projects.ts";
import { ensureFirstAdmin, type FirstAdmin } from "./bootstrap.ts";
import type { ServerContext } from "./context.ts";
import { lockDataDir } from "./data-lock.ts";
import { loadOrCreateSecret } from "./secrets.ts";
import { createServices, type ServicesInput } from "./services.ts";

export interface StartOptions extends LoadOptions {
  config?: LoadedConfig;
  host?: string;
  port?: number;
  log?: Logger;
  logFormat?: "text" | "json";
  /** Start the single-user runner right away (`octo serve`); tests leave it lazy. */
  startRunner?: boolean;
}

export interface RunningServer {
  url: string;
  port: number;
  ctx: ServerContext;
  firstAdmin: FirstAdmin | null;
  stop(): Promise<void>;
}

/** Build the context, open storage, listen. Used by `octo serve` and by integration tests. */
export async function startServer(opts: StartOptions = {}): Promise<Result<RunningServer>> {
  const loaded = opts.config ? ok(opts.config) : loadConfig(opts);
  if (!loaded.ok) return loaded;
  const config = loaded.value;
  // Single sign-on secrets are read now: a missing one stops the start with its provider's name.
  const oidcClients = resolveOidcClients(config.auth.oidc, process.env);
  if (!oidcClients.ok) return oidcClients;
  const log =
    opts.log ?? createLogger({ format: opts.logFormat ?? config.log.format, level: config.log.level });
  const paths = dataPaths(config.paths.dataDir);
  mkdirSync(config.paths.dataDir, { recursive: true, mode: 0o700 });
  // Before anything else touches the data dir or the sockets of the server that may hold it.
  const lock = lockDataDir(config.paths.dataDir);
  if (!lock.ok) return lock;
  const db = openMainDb(paths.db);
  if (!db.ok) {
    lock.value.release();
    return db;
  }

  const input: ServicesInput = {
    config,
    db: db.value,
    log,
    version: VERSION,
    mode: modeOf(config),
    jwtSecret: loadOrCreateSecret(config.auth.jwt_secret, paths.jwtSecret),
    startedAt: Date.now(),
    oidcClients: oidcClients.value,
  };
  if (input.mode === "single-user") {
    const settled = prepareSharedWorkspace(
      { workspaceDir: config.paths.workspaceDir, rootHome: homedir() },
      projectsRepo(db.value).foldersWithOwners(),
      log,
    );
    if (!settled.ok) log.error("the workspace could not be prepared", { ...settled.error });
  }
  const ctx: ServerContext = { ...input, services: createServices(input) };
  const firstAdmin = await ensureFirstAdmin(ctx.db);
  const app = createApp(ctx);
  const host = opts.host ?? config.server.host;
  const port = opts.port ?? config.server.port;
  try {
    app.listen({ hostname: host, port });
  } catch (e) {
    db.value.close();
    lock.value.release();
    return fail("internal", `cannot listen on ${host}:${port}: ${(e as Error).message}`);
  }
  const server = app.server;
  if (!server) return fail("internal", "server did not start");
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${server.port}`;
  if (opts.startRunner) {
    warmUpRunners(ctx.services.runners, log);
    // Started (or checked) now rather than on the first session, in the background: listening first.
    void ctx.services.llm.gateway.ensure().then((r) => {
      if (!r.ok) log.warn("llm gateway not ready", { ...r.error });
    });
  }
  ctx.services.sessions.startReaper();
  void ctx.services.sessions
    .resumeLive()
    .then(
      (n) => n > 0 && log.info("re-attached to running agents", { sessions: n }),
      (e) => log.error("re-attaching to agents failed", { error: String(e) }),
    )
    // Scheduled runs that went on meanwhile are caught up from the history; then schedules fire.
    .finally(() => ctx.services.schedules.start());
  log.info("octo listening", { url, mode: ctx.mode, version: VERSION, data: config.paths.dataDir });
  // The server stays up so the UI can show the problem; each agent launch fails with this text.
  const missingTools = missingToolsMessage(checkHostTools());
  if (missingTools) log.error(missingTools);
  const adminSocket = await startAdminSocket({
    path: adminSocketPath(config.paths.socketDir),
    handle: (request) => app.handle(request),
    maxRequestBodySize: backstopBodyLimit(config.server.max_body_bytes),
  });
  if (adminSocket.ok) log.info("admin socket ready", { path: adminSocket.value.path });
  else
    log.warn("admin socket not started; octoctl cannot reach this server locally", { ...adminSocket.error });
  let stopped = false;
  return ok({
    url,
    port: server.port ?? port,
    ctx,
    firstAdmin,
    async stop() {
      if (stopped) return;
      stopped = true;
      if (adminSocket.ok) await adminSocket.value.stop();
      // Sockets and requests end now (browsers reconnect); agents and their model streams carry on.
      await app.stop(true);
      await ctx.services.stop();
      ctx.services.runners.close();
      ctx.db.close();
      lock.value.release();
      log.info("octo stopped");
    },
  });
}

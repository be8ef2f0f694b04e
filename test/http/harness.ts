import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../src/config/index.ts";
import { adminSocketPath } from "../../src/http/admin-socket.ts";
import { gatewayFiles } from "../../src/llm/gateway-files.ts";
import { type RunningServer, startServer } from "../../src/server/start.ts";
import { createLogger } from "../../src/shared/log.ts";
import { AGENT_HOME } from "../../src/shared/paths.ts";
import { isAlive } from "../../src/shared/proctree.ts";
import { singleUserRunnerFiles } from "../../src/shared/runner-layout.ts";
import { usersRepo } from "../../src/storage/users.ts";

export interface TestServer {
  server: RunningServer;
  url: string;
  origin: string;
  home: string;
  /** Environment under which a CLI subprocess sees the same config, data and sockets. */
  env: Record<string, string>;
  adminSocket: string;
  admin: { username: string; password: string };
  logs: string[];
  stop(): Promise<void>;
}

/** A temporary HOME with XDG dirs inside it, so nothing touches the real user's files. */
export function tempHome(): { home: string; env: Record<string, string>; configDir: string } {
  const home = mkdtempSync(join(tmpdir(), "octo-http-"));
  const env = {
    HOME: home,
    XDG_CONFIG_HOME: join(home, ".config"),
    XDG_DATA_HOME: join(home, ".local", "share"),
    XDG_RUNTIME_DIR: join(home, "run"),
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    // No spare agents unless a test asks for them (warm_agents in its config): a spare per user
    // would double every test's agents on a 2-core machine.
    OCTO_RUNNER_WARM_AGENTS: "0",
  };
  mkdirSync(env.XDG_RUNTIME_DIR, { recursive: true, mode: 0o700 });
  // Traversable, not listable: run as root, the server runs agents as the agent account, which
  // must reach the workspace and runner sockets made inside (decision 0016).
  chmodSync(home, 0o711);
  chmodSync(env.XDG_RUNTIME_DIR, 0o711);
  return { home, env, configDir: join(env.XDG_CONFIG_HOME, "octo") };
}

/** The real server from source on 127.0.0.1 port 0 with a temporary HOME and real SQLite. */
export async function startTestServer(configToml = ""): Promise<TestServer> {
  const dirs = tempHome();
  mkdirSync(dirs.configDir, { recursive: true });
  writeFileSync(join(dirs.configDir, "config.toml"), configToml);
  if (/^\s*warm_agents\s*=/m.test(configToml)) delete dirs.env.OCTO_RUNNER_WARM_AGENTS;
  const t = await startServerIn(dirs);
  if (!t.server.firstAdmin) throw new Error("expected a first admin on an empty database");
  return { ...t, admin: t.server.firstAdmin };
}

/** Start the server on an existing temporary HOME (e.g. one prepared by an offline CLI run). */
export async function startServerIn(dirs: { home: string; env: Record<string, string> }) {
  const { home, env } = dirs;
  const config = loadConfig({ env });
  if (!config.ok) throw new Error(config.error.message);
  const logs: string[] = [];
  const log = createLogger({ format: "json", level: "debug", write: (line) => logs.push(line) });
  const started = await startServer({ config: config.value, host: "127.0.0.1", port: 0, log });
  if (!started.ok) throw new Error(started.error.message);
  const server = started.value;
  return {
    server,
    url: server.url,
    origin: server.url,
    home,
    env,
    adminSocket: adminSocketPath(config.value.paths.socketDir),
    logs,
    async stop() {
      await server.stop();
      // The single-user runner is detached so it outlives a server restart; a test's must not
      // outlive the test (its home is about to go).
      stopRunnerOf(config.value.paths.socketDir);
      stopGatewayOf(config.value.paths.socketDir);
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** Create a user through the admin API (as the given admin client) and return its id. */
export async function addUser(
  admin: { post: (p: string, b?: unknown) => Promise<{ status: number; body: unknown }> },
  username: string,
  password: string,
  role: "admin" | "user" = "user",
): Promise<string> {
  const r = await admin.post("/api/admin/users", { username, password, role });
  if (r.status !== 200) throw new Error(`cannot create ${username}: ${JSON.stringify(r.body)}`);
  return (r.body as { user: { id: string } }).user.id;
}

/** Where a user's project folder is, as the server's placement says (by user id). */
export function projectDirOf(server: RunningServer, userId: string, slug: string): string {
  const user = usersRepo(server.ctx.db).byId(userId);
  if (!user) throw new Error(`no user ${userId}`);
  return server.ctx.services.placement.project(user.username, slug).projectDir;
}

/** The single-user runner's HOME: the agent account's when the tests run as root (decision 0016). */
export const runnerHome = (): string =>
  process.getuid?.() === 0 ? AGENT_HOME : (process.env.HOME ?? "/root");

/** Stop the single-user runner a server started from `socketDir`, if it is still running. */
export function stopRunnerOf(socketDir: string): void {
  const pidFile = singleUserRunnerFiles(socketDir).pidFile;
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, "utf8"));
  if (pid > 0 && isAlive(pid)) process.kill(pid, "SIGTERM");
}

/** Stop the LLM gateway a server started from `socketDir` (it outlives servers, not tests). */
export function stopGatewayOf(socketDir: string): void {
  const pidFile = gatewayFiles(socketDir).pidFile;
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, "utf8"));
  if (pid > 0 && isAlive(pid)) process.kill(pid, "SIGKILL");
}

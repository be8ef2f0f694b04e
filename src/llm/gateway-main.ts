import { chmodSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import * as v from "valibot";
import { type LoadedConfig, loadConfig, modeOf } from "../config/index.ts";
import { USER_NAME_PATTERN } from "../protocol/runner.ts";
import { answers } from "../runners/local.ts";
import { createPlacement } from "../runners/placement.ts";
import { createLogger } from "../shared/log.ts";
import { dataPaths } from "../shared/paths.ts";
import { VERSION } from "../shared/version.ts";
import { openMainDb } from "../storage/main-db.ts";
import { createGateway, type Gateway } from "./gateway.ts";
import { type GatewayStatus, gatewayFiles, gatewayIdentity } from "./gateway-files.ts";

/**
 * `octo llm-gateway`: the LLM proxy in a process of its own, as the server's user, holding the
 * provider keys. It outlives server restarts (the server starts it detached, or systemd runs it as
 * `octo-llm-gateway.service`), so a model stream never notices the server going away.
 *
 *   --config-stdin   read the effective configuration as JSON on stdin (how the server starts it)
 *   --config PATH    load config.toml like `octo serve` does (how systemd starts it)
 *
 * SIGTERM, SIGINT or `POST /drain` on the control socket: stop listening at once (a successor may
 * bind the same paths right away), let streams already flowing finish, exit. The same when its
 * control socket file is gone or is another file (its socket directory was removed, or replaced):
 * no server can reach it any more, and it would otherwise run forever.
 */

/** How long a draining gateway lets its last answers stream before it exits anyway. */
export const DRAIN_LIMIT_MS = 15 * 60_000;
/** How often the gateway checks that its control socket is still its own file. */
export const CONTROL_CHECK_MS = 2000;

export async function llmGatewayCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { config: { type: "string" }, "config-stdin": { type: "boolean" } },
    strict: true,
  });
  let config: LoadedConfig;
  if (values["config-stdin"]) {
    config = JSON.parse(await Bun.stdin.text()) as LoadedConfig;
  } else {
    const loaded = loadConfig({ path: values.config });
    if (!loaded.ok) {
      console.error(`octo llm-gateway: ${loaded.error.message}`);
      return 1;
    }
    config = loaded.value;
  }
  const log = createLogger({ format: config.log.format, level: config.log.level }).child({
    component: "llm-gateway",
  });
  const db = openMainDb(dataPaths(config.paths.dataDir).db);
  if (!db.ok) {
    log.error("cannot open the database", { ...db.error });
    return 1;
  }
  const files = gatewayFiles(config.paths.socketDir);
  mkdirSync(files.dir, { recursive: true, mode: 0o700 });
  // One gateway per socket directory: a live one keeps its place; a dead one's socket file goes.
  if (await answers(files.control)) {
    log.error("another llm gateway answers on the control socket; not starting", { path: files.control });
    return 1;
  }
  rmSync(files.control, { force: true });
  const identity = gatewayIdentity(config, db.value, process.env);
  const gateway = createGateway({
    db: db.value,
    config,
    placement: createPlacement(modeOf(config), config.paths),
    log,
  });
  const served = gateway.serveAll();

  let draining: Promise<void> | null = null;
  let stopped: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    stopped = resolve;
  });
  const control = Bun.serve({
    unix: files.control,
    fetch: (request) => handleControl(request, { gateway, identity, drain: () => drain() }),
  });
  chmodSync(files.control, 0o600);
  const controlInode = inodeOf(files.control);
  writeFileSync(files.pidFile, String(process.pid), { mode: 0o600 });
  log.info("llm gateway ready", { pid: process.pid, version: VERSION, users: served });

  const drain = (): Promise<void> => {
    draining ??= (async () => {
      // Both stop listening synchronously here: a successor can bind the same paths at once.
      void control.stop(false);
      const streams = gateway.inFlight();
      log.info("llm gateway draining", { in_flight: streams });
      await gateway.stop(DRAIN_LIMIT_MS);
      await control.stop(true);
      removeOwnPidFile(files.pidFile);
      db.value.close();
      log.info("llm gateway stopped", { drained: streams });
    })().finally(stopped);
    return draining;
  };
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.on(signal, () => {
      log.info("llm gateway asked to stop", { signal });
      void drain();
    });
  }
  const orphaned = setInterval(() => {
    if (inodeOf(files.control) === controlInode) return;
    log.info("llm gateway's control socket is gone; stopping", { path: files.control });
    void drain();
  }, CONTROL_CHECK_MS);
  // Ends after a drain, however it was asked for (a signal, POST /drain from a newer server, or
  // its control socket gone).
  await done;
  clearInterval(orphaned);
  return 0;
}

interface ControlDeps {
  gateway: Gateway;
  identity: string;
  drain(): Promise<void>;
}

const USER_PATH = /^\/users\/(usr_[A-Za-z0-9]+)$/;

/** The control socket: only the server (same Linux user, mode 0600) reaches it. */
async function handleControl(request: Request, deps: ControlDeps): Promise<Response> {
  const url = new URL(request.url);
  if (request.method === "GET" && url.pathname === "/status") {
    const status: GatewayStatus = {
      version: VERSION,
      identity: deps.identity,
      pid: process.pid,
      users: deps.gateway.users(),
      in_flight: deps.gateway.inFlight(),
    };
    return Response.json(status);
  }
  if (request.method === "POST" && url.pathname === "/drain") {
    void deps.drain();
    return Response.json({ draining: true });
  }
  if (request.method === "POST" && url.pathname === "/embeddings") return embeddings(request, deps.gateway);
  const user = USER_PATH.exec(url.pathname)?.[1];
  if (user && request.method === "PUT") {
    const username = url.searchParams.get("username") ?? "";
    if (!USER_NAME_PATTERN.test(username)) return Response.json({ error: "bad username" }, { status: 400 });
    return Response.json({ socket: deps.gateway.serveUser(user, username) });
  }
  if (user && request.method === "DELETE") {
    await deps.gateway.removeUser(user);
    return Response.json({});
  }
  return Response.json({ error: "not found" }, { status: 404 });
}

const EmbedRequest = v.strictObject({
  user_id: v.pipe(v.string(), v.regex(/^usr_[A-Za-z0-9]+$/)),
  project_id: v.pipe(v.string(), v.maxLength(64)),
  input: v.pipe(v.array(v.pipe(v.string(), v.maxLength(32_000))), v.minLength(1), v.maxLength(256)),
});

/** The server's memory embeddings (decision 0019): metered to the memory's user and project. */
async function embeddings(request: Request, gateway: Gateway): Promise<Response> {
  const body = v.safeParse(EmbedRequest, await request.json().catch(() => null));
  if (!body.success) return Response.json({ error: { message: "bad embeddings request" } }, { status: 400 });
  const { user_id, project_id, input } = body.output;
  return gateway.embed({ userId: user_id, projectId: project_id, sessionId: "" }, input);
}

/** The file's inode, or 0 when there is none. */
function inodeOf(path: string): number {
  try {
    return statSync(path).ino;
  } catch {
    return 0;
  }
}

function removeOwnPidFile(pidFile: string): void {
  try {
    if (Number(readFileSync(pidFile, "utf8")) === process.pid) rmSync(pidFile);
  } catch {
    // Gone already, or a successor's: not ours to touch.
  }
}

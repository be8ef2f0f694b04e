import type { Database } from "bun:sqlite";
import { chmodSync, mkdirSync, statSync } from "node:fs";
import type { LoadedConfig } from "../config/index.ts";
import type { Placement } from "../runners/placement.ts";
import type { Logger } from "../shared/log.ts";
import { usersRepo } from "../storage/users.ts";
import { sessionAllowsModel } from "./allowed.ts";
import { createBudgetGate } from "./budget.ts";
import { type BudgetEvents, createBudgetEvents } from "./budget-events.ts";
import { embeddingModel } from "./embedding-model.ts";
import { createLlmProxy, type LlmProxy } from "./proxy.ts";
import { type LlmSocket, serveLlmSocket } from "./socket.ts";
import { createTokenStore, type TokenScope } from "./tokens.ts";

/**
 * The LLM gateway's work, whichever process runs it: one socket per platform user in that user's
 * gateway directory, each serving the proxy for that user's session tokens only. `octo llm-gateway`
 * runs it in a process of its own (`gateway-main.ts`) so server restarts never touch a model stream;
 * tests of the proxy run it in-process.
 */

export interface GatewayDeps {
  db: Database;
  config: LoadedConfig;
  placement: Placement;
  log: Logger;
  /** Where provider keys named by `api_key_env` are looked up. */
  env?: Record<string, string | undefined>;
  maxBodyBytes?: number;
  /** Where `budget.reached` goes; a fresh emitter by default (see `Gateway.budgetEvents`). */
  budgetEvents?: BudgetEvents;
}

export interface Gateway {
  readonly proxy: LlmProxy;
  /** `budget.reached`, emitted by the budget gate (the one place). */
  readonly budgetEvents: BudgetEvents;
  /** Serve this user's LLM socket (idempotent). Returns the socket's path. */
  serveUser(userId: string, username: string): string;
  /** Serve every enabled user's socket: what a gateway does when it starts. */
  serveAll(): number;
  /** Serve a socket at an explicit path (tests of the proxy alone). */
  serveAt(userId: string, path: string, mode?: number): LlmSocket;
  removeUser(userId: string): Promise<void>;
  /**
   * The server's memory embeddings: `input` sent to the configured embedding model through the
   * proxy's `/embeddings` route, billed to `scope`. The provider's answer, or the proxy's error.
   */
  embed(scope: TokenScope, input: string[]): Promise<Response>;
  /** Model calls being answered now, over every socket. */
  inFlight(): number;
  users(): number;
  /** Stop listening at once; let streams already flowing finish for up to `drainMs`. */
  stop(drainMs?: number): Promise<void>;
}

export function createGateway(deps: GatewayDeps): Gateway {
  const log = deps.log.child({ area: "llm" });
  const tokens = createTokenStore(deps.db);
  const providerDeps = { db: deps.db, configured: deps.config.llm.providers, env: deps.env };
  const budgetEvents = deps.budgetEvents ?? createBudgetEvents();
  budgetEvents.on((e) => log.warn("budget reached", { ...e }));
  const proxy = createLlmProxy({
    ...providerDeps,
    tokens,
    log,
    maxBodyBytes: deps.maxBodyBytes,
    budget: createBudgetGate({ db: deps.db, defaults: deps.config.llm.limits, events: budgetEvents }),
    allowModel: (scope, ref) => sessionAllowsModel(providerDeps, scope, ref),
  });
  const sockets = new Map<string, LlmSocket>();

  const serveAt = (userId: string, path: string, mode?: number): LlmSocket => {
    const current = sockets.get(userId);
    if (current?.path === path) return current;
    if (current) void current.stop();
    const socket = serveLlmSocket(proxy, { path, userId, mode });
    sockets.set(userId, socket);
    return socket;
  };

  const serveUser = (userId: string, username: string): string => {
    const place = deps.placement.gateway(username);
    const live = sockets.get(userId);
    if (live?.path === place.llmSocket) {
      if (groupMatches(place)) return place.llmSocket;
      sockets.delete(userId);
      void live.stop();
    }
    for (const [dir, mode] of [
      [place.root, place.rootMode],
      [place.dir, place.dirMode],
    ] as const) {
      // Only what we make is ours to set: in multi-user mode the system component makes the user's
      // directory setgid with the user's group, and a chmod by a non-member would clear that bit.
      if (mkdirSync(dir, { recursive: true, mode }) !== undefined) chmodSync(dir, mode);
    }
    return serveAt(userId, place.llmSocket, place.socketMode).path;
  };

  return {
    proxy,
    budgetEvents,
    serveUser,
    serveAt,
    serveAll() {
      let n = 0;
      for (const user of usersRepo(deps.db).list()) {
        if (user.disabled) continue;
        try {
          serveUser(user.id, user.username);
          n++;
        } catch (e) {
          log.error("cannot serve a user's LLM socket", { user: user.id, error: String(e) });
        }
      }
      return n;
    },
    async removeUser(userId) {
      const socket = sockets.get(userId);
      sockets.delete(userId);
      await socket?.stop();
    },
    async embed(scope, input) {
      const model = embeddingModel(providerDeps);
      if (!model)
        return Response.json({ error: { message: "no embedding model is configured" } }, { status: 404 });
      const request = new Request(`http://llm-gateway/p/${model.provider.name}/v1/embeddings`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: model.model.id, input }),
      });
      return proxy(request, { trusted: scope });
    },
    inFlight: () => [...sockets.values()].reduce((n, s) => n + s.pending(), 0),
    users: () => sockets.size,
    async stop(drainMs) {
      const all = [...sockets.values()];
      sockets.clear();
      await Promise.all(all.map((s) => s.stop(drainMs)));
    },
  };
}

/**
 * A socket made before the system component gave the user's directory its group (multi-user) has
 * the server's group, which the user's sandboxes cannot use: it must be made again in the directory.
 */
function groupMatches(place: { dir: string; llmSocket: string }): boolean {
  try {
    return statSync(place.llmSocket).gid === statSync(place.dir).gid;
  } catch {
    return true;
  }
}

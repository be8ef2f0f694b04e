import type { Database } from "bun:sqlite";
import type { LoadedConfig } from "../config/index.ts";
import type { Result } from "../protocol/errors.ts";
import type { ModelsResponse, UsageResponse } from "../protocol/llm.ts";
import type { Logger } from "../shared/log.ts";
import { type PiModelsFile, type PiModelsOptions, piLlmEnv, piModels } from "./pi-config.ts";
import { type ProviderAdmin, providerAdmin } from "./provider-admin.ts";
import {
  defaultModel,
  ensureProviders,
  type LlmProvider,
  listProviders,
  type ProviderDeps,
  pickableModels,
} from "./providers.ts";
import { createLlmProxy, type LlmProxy } from "./proxy.ts";
import { type LlmSocket, serveLlmSocket } from "./socket.ts";
import { createTokenStore, type TokenScope, type TokenStore } from "./tokens.ts";
import { type UsageRequest, type UsageViewer, usageReport } from "./usage-report.ts";

/**
 * Everything the session code needs from the LLM side, built once at server start:
 *   const llm = createLlmService({ db, config, log });
 *   const ready = llm.ensureProviders();            // no_provider → refuse session start
 *   const socket = llm.ensureSocket(userId, path);  // bind `socket.path` into the sandbox
 *   const token = llm.tokens.issue({ userId, projectId, sessionId });
 *   const modelsJson = llm.piModels({ llmUrl: "http://127.0.0.1:<relay port>" });
 *   env: { ...llm.piEnv(token), OCTO_LLM_URL: … };  on close/delete: llm.tokens.revokeSession(id)
 */

export interface LlmServiceDeps {
  db: Database;
  config: LoadedConfig;
  log: Logger;
  env?: Record<string, string | undefined>;
  maxBodyBytes?: number;
}

export interface LlmService {
  readonly providerDeps: ProviderDeps;
  readonly tokens: TokenStore;
  readonly proxy: LlmProxy;
  /** The same proxy on the HTTP port (`/api/llm/p/…`), its bodies bounded by `server.max_body_bytes`. */
  readonly httpProxy: LlmProxy;
  /** Admin: providers and their models (never key material). */
  readonly admin: ProviderAdmin;
  /** The models a user may pick, and the default. */
  models(): ModelsResponse;
  usage(viewer: UsageViewer, query: UsageRequest): UsageResponse;
  providers(): LlmProvider[];
  ensureProviders(): Result<LlmProvider[]>;
  piModels(opts: PiModelsOptions): PiModelsFile;
  piEnv(token: string): Record<string, string>;
  /** Starts (or returns) the user's proxy socket. Idempotent per user and path. */
  ensureSocket(userId: string, path: string, mode?: number): LlmSocket;
  stopSocket(userId: string, drainMs?: number): Promise<void>;
  stop(drainMs?: number): Promise<void>;
}

export function createLlmService(deps: LlmServiceDeps): LlmService {
  const providerDeps: ProviderDeps = { db: deps.db, configured: deps.config.llm.providers, env: deps.env };
  const tokens = createTokenStore(deps.db);
  const log = deps.log.child({ area: "llm" });
  const proxy = createLlmProxy({ ...providerDeps, tokens, log, maxBodyBytes: deps.maxBodyBytes });
  const httpProxy = createLlmProxy({
    ...providerDeps,
    tokens,
    log,
    maxBodyBytes: deps.config.server.max_body_bytes,
  });
  const sockets = new Map<string, LlmSocket>();

  const stopSocket = async (userId: string, drainMs?: number) => {
    const socket = sockets.get(userId);
    sockets.delete(userId);
    await socket?.stop(drainMs);
  };

  return {
    providerDeps,
    tokens,
    proxy,
    httpProxy,
    admin: providerAdmin(providerDeps),
    models: () => ({
      models: pickableModels(providerDeps),
      default_model: defaultModel(providerDeps, deps.config.llm.default_model),
    }),
    usage: (viewer, query) => usageReport(deps.db, viewer, query),
    providers: () => listProviders(providerDeps),
    ensureProviders: () => ensureProviders(providerDeps, deps.config.configFile),
    piModels: (opts) => piModels(listProviders(providerDeps), opts),
    piEnv: (token) => piLlmEnv(token),
    ensureSocket(userId, path, mode) {
      const current = sockets.get(userId);
      if (current?.path === path) return current;
      if (current) void current.stop();
      const socket = serveLlmSocket(proxy, { path, userId, mode });
      sockets.set(userId, socket);
      return socket;
    },
    stopSocket,
    async stop(drainMs) {
      await Promise.all([...sockets.keys()].map((id) => stopSocket(id, drainMs)));
    },
  };
}

export type { TokenScope };

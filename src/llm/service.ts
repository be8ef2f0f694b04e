import type { Database } from "bun:sqlite";
import type { LoadedConfig } from "../config/index.ts";
import type { Result } from "../protocol/errors.ts";
import type { ModelsResponse, UsageResponse } from "../protocol/llm.ts";
import type { Logger } from "../shared/log.ts";
import { type Budgets, createBudgets } from "./budget-admin.ts";
import { type BudgetEventFeed, budgetEventFeed } from "./budget-events.ts";
import { createGatewayClient, type GatewayClient } from "./gateway-client.ts";
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
import { createTokenStore, type TokenScope, type TokenStore } from "./tokens.ts";
import { type UsageRequest, type UsageViewer, usageReport } from "./usage-report.ts";

/**
 * Everything the server needs from the LLM side, built once at start. The proxy itself runs in the
 * LLM gateway process (`octo llm-gateway`, see gateway-client.ts); the server issues and revokes
 * session tokens in the shared database and asks the gateway to serve a user's socket:
 *   const llm = createLlmService({ db, config, log });
 *   const ready = llm.ensureProviders();                        // no_provider → refuse session start
 *   const socket = await llm.gateway.ensureUser(userId, name);  // its directory goes into the sandbox
 *   const token = llm.tokens.issue({ userId, projectId, sessionId });
 *   const modelsJson = llm.piModels({ llmUrl: "http://127.0.0.1:<relay port>" });
 *   env: { ...llm.piEnv(token), OCTO_LLM_URL: … };  on close/delete: llm.tokens.revokeSession(id)
 */

export interface LlmServiceDeps {
  db: Database;
  config: LoadedConfig;
  log: Logger;
  env?: Record<string, string | undefined>;
  /** systemd runs the gateway (`octo-llm-gateway.service`): wait for it, never start one. */
  externalGateway?: boolean;
}

export interface LlmService {
  readonly providerDeps: ProviderDeps;
  readonly tokens: TokenStore;
  readonly gateway: GatewayClient;
  /** Admin: providers and their models (never key material). */
  readonly admin: ProviderAdmin;
  /** Limits per user, usage reports and the CSV export (the gateway enforces the limits). */
  readonly budgets: Budgets;
  /** `budget.reached` as the gateways record it (decision 0023): what notifications listen to. */
  readonly budgetEvents: BudgetEventFeed;
  /** The models a user may pick, and the default. */
  models(): ModelsResponse;
  usage(viewer: UsageViewer, query: UsageRequest): UsageResponse;
  providers(): LlmProvider[];
  ensureProviders(): Result<LlmProvider[]>;
  piModels(opts: PiModelsOptions): PiModelsFile;
  piEnv(token: string): Record<string, string>;
}

export function createLlmService(deps: LlmServiceDeps): LlmService {
  const providerDeps: ProviderDeps = { db: deps.db, configured: deps.config.llm.providers, env: deps.env };
  return {
    providerDeps,
    tokens: createTokenStore(deps.db),
    gateway: createGatewayClient({
      config: deps.config,
      db: deps.db,
      log: deps.log,
      env: deps.env,
      external: deps.externalGateway,
    }),
    admin: providerAdmin(providerDeps),
    budgets: createBudgets({ db: deps.db, defaults: deps.config.llm.limits }),
    budgetEvents: budgetEventFeed(deps.db),
    models: () => ({
      models: pickableModels(providerDeps),
      default_model: defaultModel(providerDeps, deps.config.llm.default_model),
    }),
    usage: (viewer, query) => usageReport(deps.db, viewer, query),
    providers: () => listProviders(providerDeps),
    ensureProviders: () => ensureProviders(providerDeps, deps.config.configFile),
    piModels: (opts) => piModels(listProviders(providerDeps), opts),
    piEnv: (token) => piLlmEnv(token),
  };
}

export type { TokenScope };

import type { Database } from "bun:sqlite";
import { parseDuration } from "../config/index.ts";
import type { Config } from "../config/schema.ts";
import type { Result } from "../protocol/errors.ts";
import type { SearchStatus, SearchTestAnswer } from "../protocol/tools.ts";
import type { RunnerManager } from "../runners/manager.ts";
import type { Placement } from "../runners/placement.ts";
import type { Logger } from "../shared/log.ts";
import { usersRepo } from "../storage/users.ts";
import { type ToolArea, ToolDispatcher } from "./dispatcher.ts";
import { runSearch, searchArea } from "./search.ts";
import { createSearchSettings } from "./search-settings.ts";
import { createToolTokens, type ToolTokens } from "./tokens.ts";

export interface ToolService {
  tokens: ToolTokens;
  dispatcher: ToolDispatcher;
  searchStatus(): SearchStatus;
  /** The admin saves a backend (it wins over config.toml) or clears theirs. */
  setSearch(body: unknown): Result<SearchStatus>;
  clearSearch(): SearchStatus;
  /** One real query against the backend, timed: the admin's "test" button. */
  testSearch(query: string): Promise<Result<SearchTestAnswer>>;
}

export interface ToolServiceDeps {
  db: Database;
  config: Pick<Config, "search">;
  placement: Placement;
  runners: RunnerManager;
  /** The areas other features serve (memory, task, …), by name. */
  areas?: Record<string, ToolArea>;
  log: Logger;
}

/** The server's tool path, built once: tokens, the dispatcher with its areas, and its runner hook. */
export function createToolService(deps: ToolServiceDeps): ToolService {
  const timeoutMs = parseDuration(deps.config.search.timeout);
  const search = createSearchSettings({
    db: deps.db,
    configUrl: deps.config.search.searxng_url,
    timeoutMs,
  });
  const tokens = createToolTokens(deps.db);
  const dispatcher = new ToolDispatcher({
    tokens,
    areas: { ...deps.areas, search: searchArea(search.backend) },
    usernameOf: (userId) => usersRepo(deps.db).byId(userId)?.username ?? null,
    runnerUserOf: (username) => deps.placement.runnerUser(username),
    log: deps.log,
  });
  deps.runners.setCallHandler((runnerUser, call) => dispatcher.handle(runnerUser, call));
  return {
    tokens,
    dispatcher,
    searchStatus: search.status,
    setSearch: search.save,
    clearSearch: search.clear,
    async testSearch(query) {
      const started = performance.now();
      const r = await runSearch(search.backend(), { query, limit: 5 });
      return r.ok ? { ok: true, value: { ...r.value, took_ms: Math.round(performance.now() - started) } } : r;
    },
  };
}

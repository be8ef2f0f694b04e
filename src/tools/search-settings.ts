import type { Database } from "bun:sqlite";
import * as v from "valibot";
import { decode } from "../protocol/decode.ts";
import { fail, ok, type Result } from "../protocol/errors.ts";
import { SEARCH_BACKENDS, SearchSettingsBody, type SearchStatus } from "../protocol/tools.ts";
import { serverSettingsRepo } from "../storage/server-settings.ts";
import { BRAVE_SEARCH_URL, braveBackend, type SearchBackend, searxngBackend } from "./search.ts";

/** The `server_settings` key holding the admin's choice; its value wins over config.toml's `[search]`. */
export const SEARCH_SETTING_KEY = "search.backend";

/** What is stored: the backend, where it is, and (Brave) its key. Never returned by any route. */
const StoredSearch = v.variant("backend", [
  v.strictObject({ backend: v.literal("searxng"), url: v.string() }),
  v.strictObject({ backend: v.literal("brave"), url: v.string(), api_key: v.string() }),
]);
type StoredSearch = v.InferOutput<typeof StoredSearch>;

export interface SearchSettings {
  /** The backend agents use now: the admin's saved one, else config.toml's, else none. */
  backend(): SearchBackend | null;
  status(): SearchStatus;
  save(body: unknown): Result<SearchStatus>;
  /** Forget the admin's choice: config.toml's `[search]` applies again. */
  clear(): SearchStatus;
}

export function createSearchSettings(deps: {
  db: Database;
  /** config.toml's `[search] searxng_url` ("" when unset). */
  configUrl: string;
  timeoutMs: number;
  now?: () => number;
}): SearchSettings {
  const repo = serverSettingsRepo(deps.db);
  const now = deps.now ?? Date.now;
  const read = (): StoredSearch | null => {
    const raw = repo.get(SEARCH_SETTING_KEY);
    if (raw === null) return null;
    try {
      const parsed = v.safeParse(StoredSearch, JSON.parse(raw));
      return parsed.success ? parsed.output : null;
    } catch {
      return null;
    }
  };
  const build = (s: StoredSearch): SearchBackend =>
    s.backend === "brave"
      ? braveBackend(s.url, s.api_key, deps.timeoutMs)
      : searxngBackend(s.url, deps.timeoutMs);

  // Built once per change, not per query.
  let cached: { stored: StoredSearch | null; backend: SearchBackend | null } | null = null;
  const current = () => {
    if (!cached) {
      const stored = read();
      const backend = stored
        ? build(stored)
        : deps.configUrl
          ? searxngBackend(deps.configUrl, deps.timeoutMs)
          : null;
      cached = { stored, backend };
    }
    return cached;
  };

  const status = (): SearchStatus => {
    const { stored, backend } = current();
    const kind = backend ? (SEARCH_BACKENDS.find((k) => k === backend.name) ?? null) : null;
    return {
      configured: backend !== null,
      backend: kind,
      url: backend?.url ?? null,
      source: stored ? "settings" : backend ? "config" : null,
      key: { configured: stored?.backend === "brave" && stored.api_key.length > 0 },
      timeout_ms: deps.timeoutMs,
    };
  };

  return {
    backend: () => current().backend,
    status,
    save(raw) {
      const parsed = decode(SearchSettingsBody, raw);
      if (!parsed.ok) return parsed;
      const body = parsed.value;
      let next: StoredSearch;
      if (body.backend === "searxng") next = { backend: "searxng", url: body.url };
      else {
        const before = read();
        const key = body.api_key ?? (before?.backend === "brave" ? before.api_key : undefined);
        if (!key) return fail("validation_failed", "api_key: Brave Search needs an API key");
        next = { backend: "brave", url: body.url ?? BRAVE_SEARCH_URL, api_key: key };
      }
      repo.set(SEARCH_SETTING_KEY, JSON.stringify(next), now());
      cached = null;
      return ok(status());
    },
    clear() {
      repo.delete(SEARCH_SETTING_KEY);
      cached = null;
      return status();
    },
  };
}

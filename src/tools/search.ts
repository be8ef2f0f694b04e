import * as v from "valibot";
import { decode } from "../protocol/decode.ts";
import { fail, ok, type Result } from "../protocol/errors.ts";
import { type SearchAnswer, SearchArgsSchema, type SearchResult } from "../protocol/tools.ts";
import type { ToolArea } from "./dispatcher.ts";

/** A web search service the admin configured; its keys (if any) stay on the server. */
export interface SearchBackend {
  readonly name: string;
  /** Where it is, for the admin page (no secrets). */
  readonly url: string;
  search(query: string, limit: number): Promise<Result<SearchResult[]>>;
}

export interface SearchConfig {
  searxng_url: string;
  timeout_ms: number;
}

/** SearXNG's JSON answer: only what we read, loosely (instances add fields freely). */
const SearxngAnswer = v.looseObject({
  results: v.array(
    v.looseObject({
      url: v.string(),
      title: v.optional(v.string(), ""),
      content: v.optional(v.nullable(v.string()), ""),
    }),
  ),
});

const MAX_SNIPPET = 400;

/** A SearXNG instance's JSON API (`/search?q=…&format=json`; `json` must be enabled in its settings). */
export function searxngBackend(
  baseUrl: string,
  timeoutMs: number,
  fetchImpl: typeof fetch = fetch,
): SearchBackend {
  const endpoint = new URL("search", baseUrl.endsWith("/") ? baseUrl : `${baseUrl}/`);
  return {
    name: "searxng",
    url: baseUrl,
    async search(query, limit) {
      const url = new URL(endpoint);
      url.searchParams.set("q", query);
      url.searchParams.set("format", "json");
      let response: Response;
      try {
        response = await fetchImpl(url, {
          signal: AbortSignal.timeout(timeoutMs),
          headers: { accept: "application/json" },
        });
      } catch (e) {
        const err = e as Error;
        const why = err.name === "TimeoutError" ? `no answer within ${timeoutMs} ms` : err.message;
        return fail("search_failed", `the search service cannot be reached: ${why}`);
      }
      if (response.status === 403)
        return fail(
          "search_failed",
          "the search service refused JSON (enable format json in SearXNG's settings.yml)",
        );
      if (!response.ok) return fail("search_failed", `the search service answered HTTP ${response.status}`);
      let body: unknown;
      try {
        body = await response.json();
      } catch {
        return fail("search_failed", "the search service answered something that is not JSON");
      }
      const parsed = v.safeParse(SearxngAnswer, body);
      if (!parsed.success) return fail("search_failed", "the search service's answer has no results list");
      const seen = new Set<string>();
      const results: SearchResult[] = [];
      for (const r of parsed.output.results) {
        if (seen.has(r.url) || !/^https?:\/\//.test(r.url)) continue;
        seen.add(r.url);
        results.push({
          title: r.title.trim(),
          url: r.url,
          snippet: (r.content ?? "").trim().slice(0, MAX_SNIPPET),
        });
        if (results.length >= limit) break;
      }
      return ok(results);
    },
  };
}

/** The configured backend, or null when the admin set none. */
export function searchBackendFromConfig(config: SearchConfig): SearchBackend | null {
  return config.searxng_url ? searxngBackend(config.searxng_url, config.timeout_ms) : null;
}

export const notConfigured = () =>
  fail(
    "search_not_configured",
    "no web search service is configured on this octo server (ask its administrator)",
  );

/** Runs one query: what the tool area and the admin's test both do. */
export async function runSearch(
  backend: SearchBackend | null,
  rawArgs: unknown,
): Promise<Result<SearchAnswer>> {
  const args = decode(SearchArgsSchema, rawArgs, "search");
  if (!args.ok) return args;
  if (!backend) return notConfigured();
  const results = await backend.search(args.value.query, args.value.limit);
  if (!results.ok) return results;
  return ok({ query: args.value.query, backend: backend.name, results: results.value });
}

/** `octo-tool search QUERY` → `search.query`. */
export function searchArea(backend: () => SearchBackend | null): ToolArea {
  return { query: (args) => runSearch(backend(), args) };
}

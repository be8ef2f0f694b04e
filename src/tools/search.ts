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

/** GET `url` for JSON within the timeout; every failure is `search_failed` in plain words. */
async function getJson(
  url: URL,
  headers: Record<string, string>,
  timeoutMs: number,
  fetchImpl: typeof fetch,
  refusedJson: string,
): Promise<Result<unknown>> {
  let response: Response;
  try {
    response = await fetchImpl(url, {
      signal: AbortSignal.timeout(timeoutMs),
      headers: { accept: "application/json", ...headers },
    });
  } catch (e) {
    const err = e as Error;
    const why = err.name === "TimeoutError" ? `no answer within ${timeoutMs} ms` : err.message;
    return fail("search_failed", `the search service cannot be reached: ${why}`);
  }
  if (response.status === 401 || response.status === 403) return fail("search_failed", refusedJson);
  if (!response.ok) return fail("search_failed", `the search service answered HTTP ${response.status}`);
  try {
    return ok(await response.json());
  } catch {
    return fail("search_failed", "the search service answered something that is not JSON");
  }
}

/** Ranked, deduplicated by URL, web pages only, snippets cut short. */
function rankedResults(
  raw: readonly { url: string; title: string; snippet: string | null | undefined }[],
  limit: number,
): SearchResult[] {
  const seen = new Set<string>();
  const results: SearchResult[] = [];
  for (const r of raw) {
    if (seen.has(r.url) || !/^https?:\/\//.test(r.url)) continue;
    seen.add(r.url);
    results.push({
      title: r.title.trim(),
      url: r.url,
      snippet: (r.snippet ?? "").trim().slice(0, MAX_SNIPPET),
    });
    if (results.length >= limit) break;
  }
  return results;
}

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
      const body = await getJson(
        url,
        {},
        timeoutMs,
        fetchImpl,
        "the search service refused JSON (enable format json in SearXNG's settings.yml)",
      );
      if (!body.ok) return body;
      const parsed = v.safeParse(SearxngAnswer, body.value);
      if (!parsed.success) return fail("search_failed", "the search service's answer has no results list");
      return ok(
        rankedResults(
          parsed.output.results.map((r) => ({ ...r, snippet: r.content })),
          limit,
        ),
      );
    },
  };
}

export const BRAVE_SEARCH_URL = "https://api.search.brave.com/res/v1/web/search";

/** Brave's web search answer: only what we read, loosely. No `web` at all means no results. */
const BraveAnswer = v.looseObject({
  web: v.optional(
    v.looseObject({
      results: v.array(
        v.looseObject({
          url: v.string(),
          title: v.optional(v.string(), ""),
          description: v.optional(v.string(), ""),
        }),
      ),
    }),
    { results: [] },
  ),
});

/** Brave's Search API (`X-Subscription-Token`); the key is read on the server, never in a sandbox. */
export function braveBackend(
  endpointUrl: string,
  apiKey: string,
  timeoutMs: number,
  fetchImpl: typeof fetch = fetch,
): SearchBackend {
  return {
    name: "brave",
    url: endpointUrl,
    async search(query, limit) {
      const url = new URL(endpointUrl);
      url.searchParams.set("q", query);
      url.searchParams.set("count", String(Math.min(limit, 20)));
      const body = await getJson(
        url,
        { "x-subscription-token": apiKey },
        timeoutMs,
        fetchImpl,
        "the search service refused the API key",
      );
      if (!body.ok) return body;
      const parsed = v.safeParse(BraveAnswer, body.value);
      if (!parsed.success) return fail("search_failed", "the search service's answer has no results list");
      return ok(
        rankedResults(
          parsed.output.web.results.map((r) => ({ ...r, snippet: stripTags(r.description) })),
          limit,
        ),
      );
    },
  };
}

/** Brave marks the query's words in descriptions with `<strong>`: plain text for the model. */
const stripTags = (html: string): string =>
  html
    .replace(/<[^>]*>/g, "")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");

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

import type { SearchBackendKind, SearchSettingsBody, SearchStatus } from "../../../src/protocol/tools.ts";

export const BACKEND_LABELS: Record<SearchBackendKind, string> = {
  searxng: "SearXNG (JSON API)",
  brave: "Brave Search API",
};

export interface SearchFormValues {
  backend: SearchBackendKind;
  url: string;
  api_key: string;
}

export type SearchFormField = "url" | "api_key";

/**
 * Pure: the form's values → the body to save, or the field to fix. An empty key for Brave keeps the
 * stored one (when there is one); an empty Brave URL means Brave's own endpoint.
 */
export function searchFormBody(
  form: SearchFormValues,
  current: SearchStatus | null,
): { ok: true; body: SearchSettingsBody } | { ok: false; field: SearchFormField; text: string } {
  const url = form.url.trim();
  const key = form.api_key.trim();
  if (url && !/^https?:\/\/[^\s/]+/.test(url))
    return { ok: false, field: "url", text: "An http:// or https:// address" };
  if (form.backend === "searxng") {
    if (!url) return { ok: false, field: "url", text: "The SearXNG address, e.g. http://127.0.0.1:8888" };
    return { ok: true, body: { backend: "searxng", url } };
  }
  if (/\s/.test(key)) return { ok: false, field: "api_key", text: "A key has no spaces" };
  const keyStored = current?.backend === "brave" && current.key.configured;
  if (!key && !keyStored) return { ok: false, field: "api_key", text: "Brave Search needs an API key" };
  return {
    ok: true,
    body: { backend: "brave", ...(url ? { url } : {}), ...(key ? { api_key: key } : {}) },
  };
}

/** One line on what agents get now. */
export function searchSummary(s: SearchStatus): string {
  if (!s.configured || !s.backend)
    return "Not set up: agents that run octo-tool search are told no search service is configured.";
  const from = s.source === "config" ? "from the config file" : "saved here";
  return `${BACKEND_LABELS[s.backend]}, ${from}.`;
}

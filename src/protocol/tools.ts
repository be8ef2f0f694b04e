import * as v from "valibot";
import { ERROR_STATUS, type ErrorCode } from "./errors.ts";
import { idSchema } from "./ids.ts";

/**
 * The agent-facing tool path (decision 0010). Inside a sandbox, `octo-tool` sends one JSON line
 * `{id?, area, verb, args, token}` over the session's tool socket (`OCTO_TOOL_SOCKET`) and reads one
 * JSON line back: `{id, ok, data | error}`. The runner serves that socket; calls it does not handle
 * itself go to the server as a runner call (`RunnerCallSchema`), answered by `RunnerCallReplySchema`.
 */

/** Tool request lines are small; page text never travels on this path (fetch runs in the sandbox). */
export const MAX_TOOL_LINE_BYTES = 256 * 1024;
/** How long a forwarded call waits for a server that is away (restarting) before it fails. */
export const TOOL_CALL_WAIT_MS = 60_000;

export const TOOL_TOKEN_PREFIX = "octo_tool_";
export const TOOL_TOKEN_PATTERN = /^octo_tool_[A-Za-z0-9_-]{43}$/;
/** The environment variable that carries a session's tool token into its sandbox. */
export const TOOL_TOKEN_ENV = "OCTO_TOOL_TOKEN";

const name = v.pipe(v.string(), v.regex(/^[a-z][a-z0-9_]{0,31}$/, "a lowercase name"));
const callId = v.pipe(v.number(), v.integer(), v.minValue(0));
/** Bounded by the line size; the area's handler validates its own arguments. */
const args = v.optional(v.record(v.string(), v.unknown()), {});
const token = v.pipe(v.string(), v.maxLength(256));

export const ToolRequestSchema = v.strictObject({
  id: v.optional(callId),
  area: name,
  verb: name,
  args,
  token,
});
export type ToolRequest = v.InferOutput<typeof ToolRequestSchema>;

const errorCode = v.picklist(Object.keys(ERROR_STATUS) as [ErrorCode, ...ErrorCode[]]);
export const ToolErrorSchema = v.strictObject({ code: errorCode, message: v.string() });

export const ToolResponseSchema = v.variant("ok", [
  v.strictObject({ id: v.nullable(callId), ok: v.literal(true), data: v.unknown() }),
  v.strictObject({ id: v.nullable(callId), ok: v.literal(false), error: ToolErrorSchema }),
]);
export type ToolResponse = v.InferOutput<typeof ToolResponseSchema>;

// ── runner → server: a call the runner forwards, and the server's reply ──────────────────────

/** `session` is the session whose socket the call came in on; the server checks the token against it. */
export const RunnerCallSchema = v.strictObject({
  call: callId,
  op: v.literal("tool"),
  session: idSchema("ses"),
  area: name,
  verb: name,
  args,
  token,
});
export type RunnerCall = v.InferOutput<typeof RunnerCallSchema>;

export const RunnerCallReplySchema = v.variant("ok", [
  v.strictObject({ call: callId, ok: v.literal(true), data: v.unknown() }),
  v.strictObject({ call: callId, ok: v.literal(false), error: ToolErrorSchema }),
]);
export type RunnerCallReply = v.InferOutput<typeof RunnerCallReplySchema>;

// ── areas ─────────────────────────────────────────────────────────────────────────────────────

export const SearchArgsSchema = v.strictObject({
  query: v.pipe(v.string(), v.trim(), v.minLength(1, "an empty query"), v.maxLength(500)),
  limit: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(20)), 8),
});

export const SearchResultSchema = v.strictObject({
  title: v.string(),
  url: v.string(),
  snippet: v.string(),
});
export type SearchResult = v.InferOutput<typeof SearchResultSchema>;

export const SearchAnswerSchema = v.strictObject({
  query: v.string(),
  backend: v.string(),
  results: v.array(SearchResultSchema),
});
export type SearchAnswer = v.InferOutput<typeof SearchAnswerSchema>;

// ── admin HTTP API: `GET|PUT|DELETE /api/admin/search`, `POST /api/admin/search/test` ──────────

export const SearchTestBody = v.strictObject({
  query: v.optional(v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(500)), "octo"),
});

/** The search services octo speaks: a SearXNG-compatible JSON endpoint, or Brave's Search API (a key). */
export const SEARCH_BACKENDS = ["searxng", "brave"] as const;
export type SearchBackendKind = (typeof SEARCH_BACKENDS)[number];

const searchUrl = v.pipe(
  v.string(),
  v.trim(),
  v.url('a URL like "http://127.0.0.1:8888"'),
  v.regex(/^https?:\/\//, "an http:// or https:// URL"),
  v.maxLength(2048),
);
const searchKey = v.pipe(
  v.string(),
  v.trim(),
  v.minLength(1, "an empty key"),
  v.maxLength(1024),
  v.regex(/^[^\s]+$/, "a key has no spaces"),
);

/**
 * What an admin saves (it wins over config.toml's `[search]`). The key is write-only: absent on a
 * save of the same backend, the stored one is kept.
 */
export const SearchSettingsBody = v.variant("backend", [
  v.strictObject({ backend: v.literal("searxng"), url: searchUrl }),
  v.strictObject({ backend: v.literal("brave"), url: v.optional(searchUrl), api_key: v.optional(searchKey) }),
]);
export type SearchSettingsBody = v.InferInput<typeof SearchSettingsBody>;

/** The admin's view of the backend: never the key, only whether one is stored. */
export const SearchStatusSchema = v.strictObject({
  configured: v.boolean(),
  backend: v.nullable(v.picklist(SEARCH_BACKENDS)),
  url: v.nullable(v.string()),
  /** "settings": saved by an admin (can be cleared); "config": config.toml's `[search]`. */
  source: v.nullable(v.picklist(["settings", "config"])),
  key: v.strictObject({ configured: v.boolean() }),
  timeout_ms: v.number(),
});
export type SearchStatus = v.InferOutput<typeof SearchStatusSchema>;

export const SearchTestAnswerSchema = v.strictObject({
  ...SearchAnswerSchema.entries,
  took_ms: v.number(),
});
export type SearchTestAnswer = v.InferOutput<typeof SearchTestAnswerSchema>;

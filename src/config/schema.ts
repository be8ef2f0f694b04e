import * as v from "valibot";
import { OidcProvidersSchema } from "./oidc-schema.ts";

/**
 * The config file's shape. Every section is a strict object: an unknown key is an error that names it.
 * Defaults live here too, so `octo config init` and `octo config show` read from one place.
 */

const port = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(65535));
const duration = v.pipe(
  v.string(),
  v.regex(/^\d+(ms|s|m|h|d)$/, 'a duration like "30s", "15m", "12h" or "7d"'),
);
const nonEmpty = v.pipe(v.string(), v.minLength(1));

const ServerSection = v.strictObject({
  host: v.optional(nonEmpty, "127.0.0.1"),
  port: v.optional(port, 8080),
  /** Public origin (e.g. https://octo.example.com); decides Secure cookies and the default Origin allow-list. */
  public_url: v.optional(v.string(), ""),
  max_body_bytes: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1024)), 1_048_576),
  /** Open mux WebSockets per user (one per browser tab); more are refused with `connection_limit`. */
  max_sockets_per_user: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1)), 32),
  /**
   * Addresses of reverse proxies in front of octo. Only when the peer is one of them is
   * `X-Forwarded-For` believed (for login rate limits and logs).
   */
  trusted_proxies: v.optional(v.array(v.pipe(v.string(), v.ip("an IP address like 127.0.0.1"))), []),
  /** Running terminals per user; more are refused with `process_limit`. */
  max_terminals_per_user: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1)), 32),
  /** Web Push: how push services reach the operator (VAPID `sub`); default `public_url` or a mailto. */
  push_contact: v.optional(v.string(), ""),
  /**
   * Web Push to plain-http loopback endpoints (a push service run beside a test server). Off: only
   * public https push services are sent to.
   */
  push_allow_http_loopback: v.optional(v.boolean(), false),
});

const LinuxUsersSection = v.strictObject({
  enabled: v.optional(v.boolean(), false),
  prefix: v.optional(
    v.pipe(v.string(), v.regex(/^[a-z][a-z0-9_-]{0,15}$/, "a short Linux name prefix")),
    "octo_",
  ),
});

const LocalSection = v.strictObject({
  enabled: v.optional(v.boolean(), true),
  single_user: v.optional(v.boolean(), true),
  workspace_dir: v.optional(v.string(), ""),
  linux_users: v.optional(LinuxUsersSection, {}),
});

const RunnerSection = v.strictObject({
  socket_dir: v.optional(v.string(), ""),
  idle_timeout: v.optional(duration, "5m"),
  /** Per user: agents pre-started for their latest project, claimed by the next new conversation. */
  warm_agents: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(4)), 1),
  /** Per user: above this many MB (PSS) of agents, the oldest idle agents are stopped early. 0 = none. */
  agent_memory_ceiling_mb: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0)), 0),
  max_processes: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(4096)), 64),
  /** Agent browsers (a Chromium each, ~150-300 MB) one user may have open at once. */
  max_browsers: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(64)), 2),
  default_profile: v.optional(nonEmpty, "default"),
});

const AuthSection = v.strictObject({
  dev_mode: v.optional(v.boolean(), false),
  jwt_secret: v.optional(v.string(), ""),
  allowed_origins: v.optional(v.array(v.pipe(v.string(), v.url("an origin like https://host:port"))), []),
  token_ttl: v.optional(duration, "7d"),
  login_attempts_per_minute: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1)), 10),
  /** Single sign-on providers (`[[auth.oidc]]`, src/auth/oidc/). */
  oidc: v.optional(OidcProvidersSchema, []),
});

const DataSection = v.strictObject({
  dir: v.optional(v.string(), ""),
});

const LogSection = v.strictObject({
  format: v.optional(v.picklist(["text", "json"]), "text"),
  level: v.optional(v.picklist(["debug", "info", "warn", "error"]), "info"),
});

const LlmModel = v.strictObject({
  id: nonEmpty,
  name: v.optional(v.string()),
  context_window: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1)), 128000),
  max_tokens: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1)), 16384),
  reasoning: v.optional(v.boolean(), false),
  images: v.optional(v.boolean(), false),
  /** USD per 1M tokens. Absent: unknown (see decision 0023 for how budgets treat it). */
  input_price: v.optional(v.pipe(v.number(), v.minValue(0))),
  output_price: v.optional(v.pipe(v.number(), v.minValue(0))),
  cache_read_price: v.optional(v.pipe(v.number(), v.minValue(0))),
  cache_write_price: v.optional(v.pipe(v.number(), v.minValue(0))),
});

const LlmProvider = v.strictObject({
  name: v.pipe(v.string(), v.regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, "a short lowercase provider name")),
  kind: v.picklist(["openai", "anthropic"]),
  base_url: v.pipe(v.string(), v.url()),
  api_key_env: v.optional(v.string()),
  api_key_file: v.optional(v.string()),
  models: v.optional(v.array(LlmModel), []),
});

const usd = v.pipe(v.number(), v.minValue(0), v.maxValue(1_000_000));

/** Spending and request limits enforced by the LLM gateway; 0 = none. Admins override per user. */
const LlmLimits = v.strictObject({
  user_monthly_usd: v.optional(usd, 0),
  session_usd: v.optional(usd, 0),
  user_rpm: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(1_000_000)), 0),
});

const LlmSection = v.strictObject({
  providers: v.optional(v.array(LlmProvider), []),
  default_model: v.optional(v.string(), ""),
  limits: v.optional(LlmLimits, {}),
});

/** Web search for agents (`octo-tool search`), queried by the server so no key enters a sandbox. */
const SearchSection = v.strictObject({
  /** A SearXNG instance with its JSON format enabled; empty: agents get `search_not_configured`. */
  searxng_url: v.optional(
    v.union([v.literal(""), v.pipe(v.string(), v.url('a URL like "http://127.0.0.1:8888"'))]),
    "",
  ),
  timeout: v.optional(duration, "10s"),
});

/** Schedules and webhooks (src/schedules/). */
const SchedulesSection = v.strictObject({
  /** After downtime, the latest missed run of a schedule still runs if it was due at most this long ago. */
  catch_up_grace: v.optional(duration, "1h"),
  /** A run still working after this long is stopped and recorded as failed (its schedule is not blocked). */
  max_run_duration: v.optional(duration, "2h"),
  /** Least time between two runs of a cron schedule: each run starts an agent. */
  min_interval: v.optional(duration, "1m"),
  /** Largest webhook delivery body. */
  hook_max_body_bytes: v.optional(
    v.pipe(v.number(), v.integer(), v.minValue(1024), v.maxValue(16 << 20)),
    256 * 1024,
  ),
  /** Delivery ids are remembered this long: a repeat is refused as a replay (409). */
  hook_replay_window: v.optional(duration, "24h"),
  /** Deliveries per hook per minute when the hook does not set its own rate. */
  hook_rate_per_minute: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(600)), 30),
});

/** Memory (src/memory/). */
const MemorySection = v.strictObject({
  /**
   * "Used N memories": a memory goes before a new conversation's first prompt only when its cosine
   * with the prompt is above this (with an embedding model) or it matches enough of its words.
   */
  context_min_similarity: v.optional(v.pipe(v.number(), v.minValue(-1), v.maxValue(1)), 0.4),
  /** The share of the prompt's search words a memory must match (at most 3 words are required). */
  context_min_term_share: v.optional(v.pipe(v.number(), v.minValue(0), v.maxValue(1)), 0.5),
});

export const ConfigSchema = v.strictObject({
  server: v.optional(ServerSection, {}),
  local: v.optional(LocalSection, {}),
  runner: v.optional(RunnerSection, {}),
  auth: v.optional(AuthSection, {}),
  data: v.optional(DataSection, {}),
  log: v.optional(LogSection, {}),
  llm: v.optional(LlmSection, {}),
  search: v.optional(SearchSection, {}),
  schedules: v.optional(SchedulesSection, {}),
  memory: v.optional(MemorySection, {}),
});

export type ConfigInput = v.InferInput<typeof ConfigSchema>;
export type Config = v.InferOutput<typeof ConfigSchema>;
export type LlmProviderConfig = v.InferOutput<typeof LlmProvider>;
export type LlmModelConfig = v.InferOutput<typeof LlmModel>;
export type LlmLimitsConfig = v.InferOutput<typeof LlmLimits>;

export function parseDuration(text: string): number {
  const m = /^(\d+)(ms|s|m|h|d)$/.exec(text);
  if (!m) throw new Error(`bad duration ${text}`);
  const n = Number(m[1]);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as "ms"];
  return n * unit;
}

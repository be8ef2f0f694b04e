import type { LoadedConfig } from "./load.ts";

/** The commented default written by `octo config init`. Values equal the schema defaults. */
export function renderDefaultConfig(): string {
  return `# octo configuration. Every key is optional; the values shown are the defaults.
# Environment variables override keys: OCTO_<SECTION>_<KEY>, e.g. OCTO_SERVER_PORT=9000.

[server]
host = "127.0.0.1"        # bind address; keep loopback unless a TLS proxy fronts octo
port = 8080
public_url = ""           # e.g. "https://octo.example.com": enables Secure cookies and its Origin
max_body_bytes = 1048576  # larger request bodies are refused with 413
max_sockets_per_user = 32 # open browser tabs (mux WebSockets) per user
max_terminals_per_user = 32
push_contact = ""         # Web Push contact (VAPID subject): "mailto:…" or "https://…"; default public_url
push_allow_http_loopback = false  # only for tests: send Web Push to a http://127.0.0.1 push service
trusted_proxies = []      # reverse proxies whose X-Forwarded-For is believed, e.g. ["127.0.0.1"]

[local]
enabled = true
single_user = true        # false: every platform user gets a Linux account (needs root)
workspace_dir = ""        # default ~/octo (single-user)

[local.linux_users]
enabled = false
prefix = "octo_"          # platform user alice <-> Linux user octo_alice

[runner]
socket_dir = ""           # default $XDG_RUNTIME_DIR/octo, /run/octo when installed
idle_timeout = "5m"       # idle agents are stopped after this and revived on the next prompt (through a spare when one is warm)
warm_agents = 1           # per user: agents started ahead for their latest project (0 = off)
agent_memory_ceiling_mb = 0  # per user: over this (agents' PSS), the oldest idle agents stop early; 0 = off
max_processes = 64        # sandboxed processes per user
max_browsers = 2          # agent browsers (one Chromium each) per user
default_profile = "default"

[auth]
dev_mode = false
jwt_secret = ""           # empty: generated once into the data dir (mode 0600)
allowed_origins = []      # extra origins allowed to make state-changing requests
token_ttl = "7d"
login_attempts_per_minute = 10
# [[auth.oidc]]           # single sign-on; one block per provider
# name = "company"        # in URLs: /api/auth/oidc/company/start
# display_name = "Company SSO"
# issuer = "https://login.example.com/realms/team"
# client_id = "octo"
# client_secret_env = "OCTO_OIDC_SECRET"   # or client_secret_file = "/etc/octo/keys/oidc"
# scopes = ["openid", "profile", "email"]
# allowed_groups = ["octo-users"]          # empty refuses everyone unless allow_any_user = true
# admin_groups = ["octo-admins"]
# groups_claim = "groups"

[data]
dir = ""                  # default ~/.local/share/octo, /var/lib/octo when installed

[log]
format = "text"           # or "json" (JSON lines)
level = "info"

[llm]
default_model = ""        # "provider/model"
# [[llm.providers]]
# name = "openai"
# kind = "openai"         # openai | anthropic
# base_url = "https://api.openai.com/v1"
# api_key_env = "OPENAI_API_KEY"   # or api_key_file = "/etc/octo/keys/openai"
# models = [{ id = "gpt-5", context_window = 400000, input_price = 1.25, output_price = 10.0 }]

[llm.limits]              # enforced by the LLM gateway before a call goes out; 0 = none
user_monthly_usd = 0      # per user per calendar month (UTC); admins override per user
session_usd = 0           # per conversation
user_rpm = 0              # model requests per minute per user

[search]
searxng_url = ""          # a SearXNG instance (JSON format enabled) for \`octo-tool search\`
timeout = "10s"

[schedules]
catch_up_grace = "1h"     # after downtime, a schedule's latest missed run still runs if due at most this long ago
max_run_duration = "2h"   # a run still working after this long is stopped and recorded as failed
min_interval = "1m"       # least time between two runs of a cron schedule
hook_max_body_bytes = 262144
hook_replay_window = "24h" # webhook delivery ids remembered this long; a repeat gets 409
hook_rate_per_minute = 30 # deliveries per webhook per minute unless the webhook sets its own

[memory]                  # "used N memories" before a new conversation's first prompt (opt-in per project)
context_min_similarity = 0.4  # with an embedding model: a memory's cosine with the prompt must be above this
context_min_term_share = 0.5  # or it matches this share of the prompt's search words (at most 3 required)
`;
}

const REDACTED = "[redacted]";

/** The effective config as TOML-ish text, secrets redacted. */
export function renderEffectiveConfig(cfg: LoadedConfig): string {
  const { configFile, configFileExists, paths, ...config } = cfg;
  const safe = structuredClone(config);
  if (safe.auth.jwt_secret) safe.auth.jwt_secret = REDACTED;
  const lines = [
    `# effective config (file: ${configFile}${configFileExists ? "" : ", not present: defaults"})`,
  ];
  lines.push(
    `# data dir: ${paths.dataDir}`,
    `# workspace: ${paths.workspaceDir}`,
    `# runner sockets: ${paths.socketDir}`,
  );
  for (const [section, values] of Object.entries(safe)) {
    const scalars: string[] = [];
    const nested: [string, Record<string, unknown>][] = [];
    for (const [key, value] of Object.entries(values as Record<string, unknown>)) {
      if (value && typeof value === "object" && !Array.isArray(value))
        nested.push([key, value as Record<string, unknown>]);
      else scalars.push(`${key} = ${JSON.stringify(value)}`);
    }
    lines.push("", `[${section}]`, ...scalars);
    for (const [key, value] of nested) {
      lines.push("", `[${section}.${key}]`);
      for (const [k, x] of Object.entries(value)) lines.push(`${k} = ${JSON.stringify(x)}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

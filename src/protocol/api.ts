import * as v from "valibot";

/**
 * HTTP API contracts (JSON bodies), shared by server, octoctl and UI.
 * Every error response is `{ error: { code, message } }` (see errors.ts).
 */

export const Username = v.pipe(
  v.string(),
  v.regex(/^[a-z][a-z0-9_-]{0,30}$/, "a user name is 1-31 characters: a-z first, then a-z, 0-9, _ or -"),
);
export const Password = v.pipe(
  v.string(),
  v.minLength(8, "a password has at least 8 characters"),
  v.maxLength(1024, "a password has at most 1024 characters"),
);
export const Role = v.picklist(["admin", "user"]);
export type Role = v.InferOutput<typeof Role>;

// ---- auth ----

export const LoginBody = v.strictObject({
  username: v.pipe(v.string(), v.maxLength(64)),
  password: v.pipe(v.string(), v.maxLength(1024)),
});
export const SignupBody = v.strictObject({
  invite_code: v.pipe(v.string(), v.minLength(1), v.maxLength(128)),
  username: Username,
  password: Password,
});
/** POST /api/account/password → { ok: true }; ends every other session, re-issues this one's cookie. */
export const ChangePasswordBody = v.strictObject({
  current_password: v.pipe(v.string(), v.maxLength(1024)),
  new_password: Password,
});

export const User = v.object({
  id: v.string(),
  username: v.string(),
  role: Role,
  disabled: v.boolean(),
  created_at: v.number(),
  /** For commits made from the UI; null: `<username>@users.octo` is used. */
  email: v.optional(v.nullable(v.string())),
});
export type User = v.InferOutput<typeof User>;

/** An e-mail address as a commit author (no angle brackets, spaces or control characters). */
export const Email = v.pipe(
  v.string(),
  v.maxLength(200),
  v.regex(/^[^\s<>@]+@[^\s<>@]+$/, "an e-mail address like name@example.com"),
);
/** PATCH /api/account → { user }: the person's own settings (an empty e-mail clears it). */
export const UpdateAccountBody = v.strictObject({ email: v.union([v.literal(""), Email]) });

/** The author a person's commits carry: their e-mail, or `<username>@users.octo`. */
export const commitEmail = (u: { username: string; email?: string | null }): string =>
  u.email || `${u.username}@users.octo`;

// ---- git credentials (account) ----
// GET /api/account/git-credentials → { credentials: GitCredential[] } (never the token)
// PUT /api/account/git-credentials {host, username?, token} → { credential }
// DELETE /api/account/git-credentials/:host → { ok: true }

/** `github.com`, `git.example.com:8443`: a remote's host as its URL names it (lower-case). */
export const GitHost = v.pipe(
  v.string(),
  v.toLowerCase(),
  v.regex(/^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?(:\d{1,5})?$/, "a host name, optionally with :port"),
);
export const PutGitCredentialBody = v.strictObject({
  host: GitHost,
  /** The user name the host expects with the token (GitHub and GitLab accept any). */
  username: v.optional(
    v.pipe(v.string(), v.minLength(1), v.maxLength(200), v.regex(/^[^\s:]+$/, "no spaces or colons")),
  ),
  token: v.pipe(
    v.string(),
    v.minLength(1),
    v.maxLength(4000),
    v.regex(/^[\x21-\x7e]+$/, "printable ASCII without spaces"),
  ),
});
export const GitCredential = v.object({
  host: v.string(),
  username: v.string(),
  created_at: v.number(),
  updated_at: v.number(),
});
export type GitCredential = v.InferOutput<typeof GitCredential>;

/** GET /api/auth/me, POST /api/auth/login, POST /api/auth/signup → `{ user, mode }`. */
export const MeResponse = v.object({ user: User, mode: v.picklist(["single-user", "multi-user"]) });
export type MeResponse = v.InferOutput<typeof MeResponse>;

// ---- API keys (account) ----
// GET /api/account/keys → { keys: ApiKey[] }; POST /api/account/keys {name} → { key: ApiKey, secret }
// DELETE /api/account/keys/:id → { ok: true }

export const CreateApiKeyBody = v.strictObject({ name: v.pipe(v.string(), v.minLength(1), v.maxLength(64)) });
export const ApiKey = v.object({
  id: v.string(),
  name: v.string(),
  prefix: v.string(),
  created_at: v.number(),
  last_used_at: v.nullable(v.number()),
});
export type ApiKey = v.InferOutput<typeof ApiKey>;
/** POST /api/account/keys → the secret (`octo_…`, sent as `Authorization: Bearer …`) is shown only here. */
export const CreatedApiKey = v.object({ key: ApiKey, secret: v.string() });
export type CreatedApiKey = v.InferOutput<typeof CreatedApiKey>;

// ---- admin ----
// GET /api/admin/users → { users: User[] }; POST /api/admin/users {username, password, role} → { user }
// POST /api/admin/users/:id/disable | /enable → { user }; POST /api/admin/users/:id/password {password} → { user }
// DELETE /api/admin/users/:id → { ok: true }
// GET /api/admin/invites → { invites: Invite[] }; POST /api/admin/invites CreateInviteBody → { invite }
// DELETE /api/admin/invites/:code → { ok: true }
// GET /api/admin/status → AdminStatus
// GET /api/admin/sessions → { sessions: SessionSummary[] } (every user's sessions, newest first)

export const CreateUserBody = v.strictObject({
  username: Username,
  password: Password,
  role: v.optional(Role, "user"),
});
export const ResetPasswordBody = v.strictObject({ password: Password });

export const CreateInviteBody = v.strictObject({
  max_uses: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(10_000)), 1),
  /** Seconds from now; absent = never expires. */
  expires_in: v.optional(v.pipe(v.number(), v.integer(), v.minValue(60), v.maxValue(365 * 86400))),
  note: v.optional(v.pipe(v.string(), v.maxLength(200)), ""),
  role: v.optional(Role, "user"),
});
export const Invite = v.object({
  code: v.string(),
  note: v.string(),
  role: Role,
  max_uses: v.number(),
  uses: v.number(),
  expires_at: v.nullable(v.number()),
  revoked: v.boolean(),
  created_at: v.number(),
  /** Derived: usable now (not revoked, not expired, uses left). */
  usable: v.boolean(),
});
export type Invite = v.InferOutput<typeof Invite>;

/** One running agent's memory: its whole process tree (wrapper, sandbox, pi and pi's children). */
export const AgentMemoryRow = v.object({
  session_id: v.string(),
  proc: v.string(),
  /** Proportional set size: shared pages split between the processes mapping them; sums correctly. */
  pss_bytes: v.number(),
  /** Pages only this tree maps: what stopping the agent gives back. */
  private_bytes: v.number(),
});

/** One user's runner as the server sees it (`octoctl status`). */
export const RunnerStatusRow = v.object({
  user: v.string(),
  connected: v.boolean(),
  pid: v.nullable(v.number()),
  uptime_ms: v.nullable(v.number()),
  processes: v.nullable(v.number()),
  max_processes: v.nullable(v.number()),
  /** The runner's whole process tree (agents, shells, sandboxes). */
  rss_bytes: v.nullable(v.number()),
  version: v.nullable(v.string()),
  agents: v.nullable(v.number()),
  terminals: v.nullable(v.number()),
  /** The runner and everything it started (agents, shells, sandboxes), summed over the process tree. */
  tree_pss_bytes: v.optional(v.nullable(v.number())),
  tree_private_bytes: v.optional(v.nullable(v.number())),
  /** Each running agent's process tree, by session, largest first. */
  agent_memory: v.optional(v.array(AgentMemoryRow)),
  error: v.optional(v.string()),
});

export const DiskRow = v.object({
  label: v.picklist(["data", "workspaces"]),
  path: v.string(),
  free_bytes: v.nullable(v.number()),
  total_bytes: v.nullable(v.number()),
});

export const AdminStatus = v.object({
  version: v.string(),
  /** The Bun runtime the server runs on. */
  runtime: v.string(),
  mode: v.picklist(["single-user", "multi-user"]),
  /** What keeps users apart in this mode, in words. */
  isolation: v.string(),
  uptime_ms: v.number(),
  users: v.number(),
  runners: v.array(RunnerStatusRow),
  disks: v.array(DiskRow),
  /** Failed LLM requests of the last 24 hours, by the provider's HTTP status. */
  llm_errors: v.array(v.object({ status: v.number(), count: v.number() })),
});
export type AdminStatus = v.InferOutput<typeof AdminStatus>;

export const SessionSummary = v.object({
  id: v.string(),
  user_id: v.string(),
  username: v.string(),
  project_id: v.string(),
  title: v.string(),
  status: v.string(),
  created_at: v.number(),
  updated_at: v.number(),
  closed_at: v.nullable(v.number()),
});
export type SessionSummary = v.InferOutput<typeof SessionSummary>;

export const HealthResponse = v.object({ status: v.literal("ok"), version: v.string(), mode: v.string() });

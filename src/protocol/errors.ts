/**
 * Stable error codes shared by server, runner, sandbox and UI.
 * Expected failures are values `{ code, message }`; one table maps codes to HTTP statuses.
 */
export const ERROR_STATUS = {
  bad_request: 400,
  invalid_json: 400,
  validation_failed: 422,
  payload_too_large: 413,
  unauthorized: 401,
  invalid_credentials: 401,
  token_expired: 401,
  forbidden: 403,
  origin_not_allowed: 403,
  account_disabled: 403,
  not_found: 404,
  conflict: 409,
  username_taken: 409,
  invite_invalid: 410,
  rate_limited: 429,
  /** A spending limit (monthly or per conversation) is reached; an admin can raise it. */
  budget_exceeded: 402,
  /** A spending limit applies, and the model has no price to count against it. */
  price_unknown: 402,
  unknown_command: 400,
  busy: 409,
  no_provider: 503,
  upstream_failed: 502,
  runner_unavailable: 503,
  sandbox_failed: 500,
  path_outside_workspace: 403,
  resync_needed: 409,
  internal: 500,
  agent_crashed: 502,
  agent_failed: 502,
  sandbox_profile_not_found: 404,
  sandbox_policy_invalid: 422,
  sandbox_unavailable: 503,
  process_limit: 429,
  connection_limit: 429,
  token_invalid: 401,
  token_revoked: 401,
  wrong_password: 403,
  already_exists: 409,
  wrong_type: 409,
  not_empty: 409,
  storage_full: 507,
  /** A forwarded tool call found no server within its wait (the server is restarting or down). */
  server_unavailable: 503,
  search_not_configured: 503,
  search_failed: 502,
  fetch_failed: 502,
  data_dir_in_use: 409,
  /** An LLM session token used anywhere but its sandbox's gateway socket. */
  llm_socket_only: 403,
  /** An LLM session token used for a model its session may not call. */
  model_not_allowed: 403,
  /** The agent browser could not start or a page action failed (the message says which). */
  browser_failed: 502,
  /** The user already has `runner.max_browsers` browsers open. */
  browser_limit: 429,
  /** A restore or discard while an agent of the project is working (ask again with `stop_agents`). */
  agent_working: 409,
  /** No checkpoint was taken before that message (sent before checkpoints existed, or pruned). */
  no_checkpoint: 404,
  /** A discarded hunk no longer matches the file (it changed since the diff was shown). */
  stale_diff: 409,
  /** A remote refused the stored git credential for its host (or there is none). */
  git_auth_failed: 401,
  /** A push was rejected: the remote branch has commits the project does not (pull first). */
  git_non_fast_forward: 409,
  /** A pull (or a branch switch) met conflicting changes; the repository is left as it was. */
  git_conflict: 409,
  /** The remote's host is not one the project's network profile allows. */
  host_not_allowed: 403,
  /** Single sign-on (src/auth/oidc): the callback's `state` is unknown, used, expired or from another browser. */
  oidc_state_mismatch: 400,
  /** The ID token's `nonce` is not the one this sign-in sent. */
  oidc_nonce_mismatch: 400,
  /** The ID token failed verification (signature, issuer, audience, expiry) or userinfo disagreed. */
  oidc_token_invalid: 401,
  /** The person's groups do not match the provider's `allowed_groups`. */
  oidc_group_denied: 403,
  /** The provider answered with an error (the person declined, or the code exchange failed). */
  oidc_provider_error: 502,
  /** The provider's discovery document or keys could not be read. */
  oidc_unavailable: 503,
  /** An admin turned local (password) sign-in off for everyone but admins. */
  local_sign_in_disabled: 403,
  /** A canvas artifact whose kind cannot be told from its name or content, or is not one octo shows. */
  unknown_kind: 415,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface ErrorBody {
  code: ErrorCode;
  message: string;
}

/** An expected failure carried as a value. `fail()` builds one; `isFailure()` narrows. */
export interface Failure {
  readonly ok: false;
  readonly error: ErrorBody;
}

export type Result<T> = { readonly ok: true; readonly value: T } | Failure;

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = (code: ErrorCode, message: string): Failure => ({ ok: false, error: { code, message } });

export function httpStatus(code: ErrorCode): number {
  return ERROR_STATUS[code] ?? 500;
}

/** Thrown only across layers that cannot return a value (e.g. Elysia handlers); mapped in one place. */
export class OctoError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "OctoError";
  }
  toBody(): ErrorBody {
    return { code: this.code, message: this.message };
  }
}

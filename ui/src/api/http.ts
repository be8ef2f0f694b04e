import * as v from "valibot";
import type { ErrorCode } from "../../../src/protocol/errors.ts";

/**
 * The one HTTP client. Every response is decoded with the shared valibot contract; every failure is a
 * value with a stable code. `network` is the UI's own code for "the server could not be reached".
 */

export type ApiErrorCode = ErrorCode | "network";
export interface ApiError {
  code: ApiErrorCode;
  message: string;
  status: number;
}
export type ApiResult<T> = { ok: true; value: T } | { ok: false; error: ApiError };

/** `disabled`: the server refused the signed-in person because an admin disabled their account. */
export type HttpOutcome = "ok" | "network" | "unauthorized" | "disabled";
type Listener = (status: HttpOutcome) => void;
const listeners = new Set<Listener>();

/** Connection indicator and auth redirect subscribe here; returns an unsubscribe. */
export function onHttpOutcome(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
const emit = (status: HttpOutcome) => {
  for (const l of listeners) l(status);
};

const SESSION_GONE = new Set(["unauthorized", "token_expired"]);
const ErrorEnvelope = v.object({ error: v.object({ code: v.string(), message: v.string() }) });

export interface RequestOptions {
  body?: unknown;
  /** A 401 here is an answer (wrong password), not an expired session: do not redirect. */
  authAttempt?: boolean;
  signal?: AbortSignal;
}

export async function api<S extends v.GenericSchema>(
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE",
  path: string,
  schema: S,
  opts: RequestOptions = {},
): Promise<ApiResult<v.InferOutput<S>>> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      credentials: "same-origin",
      headers:
        opts.body === undefined ? { accept: "application/json" } : { "content-type": "application/json" },
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      signal: opts.signal,
    });
  } catch (e) {
    if ((e as Error).name === "AbortError") return failure("network", "request cancelled", 0);
    emit("network");
    return failure("network", "cannot reach the server", 0);
  }
  const json = await res.json().catch(() => undefined);
  if (!res.ok) {
    const env = v.safeParse(ErrorEnvelope, json);
    // Only "your session is gone" ends the session; a 401 that answers a question (wrong password) does not.
    const sessionGone =
      res.status === 401 && !opts.authAttempt && (!env.success || SESSION_GONE.has(env.output.error.code));
    const disabled = env.success && env.output.error.code === "account_disabled";
    emit(disabled ? "disabled" : sessionGone ? "unauthorized" : "ok");
    if (env.success) return failure(env.output.error.code as ErrorCode, env.output.error.message, res.status);
    return failure(
      res.status === 404 ? "not_found" : "internal",
      `server answered ${res.status}`,
      res.status,
    );
  }
  emit("ok");
  const parsed = v.safeParse(schema, json);
  if (!parsed.success) {
    return failure(
      "validation_failed",
      `unexpected answer from ${path}: ${describe(parsed.issues)}`,
      res.status,
    );
  }
  return { ok: true, value: parsed.output };
}

const failure = (code: ApiErrorCode, message: string, status: number) =>
  ({ ok: false, error: { code, message, status } }) as const;

function describe(issues: readonly v.BaseIssue<unknown>[]): string {
  const i = issues[0];
  if (!i) return "invalid";
  const path = v.getDotPath(i);
  return path ? `${path}: ${i.message}` : i.message;
}

export const OkResponse = v.object({ ok: v.literal(true) });

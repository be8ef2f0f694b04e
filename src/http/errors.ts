import { type ErrorBody, type ErrorCode, httpStatus, OctoError, type Result } from "../protocol/errors.ts";

/** The one place that turns any failure into an HTTP response `{error: {code, message}}`. */
export function errorResponse(code: ErrorCode, message: string, headers?: Record<string, string>): Response {
  const body: { error: ErrorBody } = { error: { code, message } };
  return Response.json(body, { status: httpStatus(code), headers });
}

/**
 * The HTTP layer's one exception helper: a domain failure becomes an `OctoError`, which `onError`
 * turns into `{error: {code, message}}` with the code's status (see `mapThrown`).
 */
export function unwrap<T>(r: Result<T>): T {
  if (!r.ok) throw new OctoError(r.error.code, r.error.message);
  return r.value;
}

/** Map whatever Elysia or a handler threw to a stable code. Unknown errors are bugs: logged, 500. */
export function mapThrown(code: string | number, error: unknown): { code: ErrorCode; message: string } {
  if (error instanceof OctoError) return { code: error.code, message: error.message };
  // Elysia wraps whatever a parse hook throws (our payload_too_large, invalid_json) in a ParseError.
  const cause = (error as { cause?: unknown } | null)?.cause;
  if (code === "PARSE" && cause instanceof OctoError) return { code: cause.code, message: cause.message };
  switch (code) {
    case "PARSE":
      return { code: "invalid_json", message: "request body is not valid JSON" };
    case "VALIDATION":
      return { code: "validation_failed", message: describeValidation(error) };
    case "NOT_FOUND":
      return { code: "not_found", message: "no such route" };
    case "INVALID_COOKIE_SIGNATURE":
      return { code: "unauthorized", message: "invalid cookie" };
    default:
      return { code: "internal", message: "internal error" };
  }
}

type Issue = { type?: string; expected?: string; message?: string; path?: { key?: unknown }[] };

/** Name the field and say what was expected, without echoing the submitted value (it may be a password). */
function describeValidation(error: unknown): string {
  const e = error as { valueError?: Issue; all?: { summary?: string; message?: string }[]; type?: string };
  const issue = e.valueError;
  if (issue) {
    const keys = (issue.path ?? []).map((p) => String(p.key));
    const where = keys.length ? keys.join(".") : (e.type ?? "body");
    if (issue.type === "strict_object" && issue.expected === "never") return `${where}: unknown field`;
    const message = (issue.message ?? "invalid value").replace(/ but received .*$/, "");
    return `${where}: ${message}`;
  }
  const first = e.all?.[0];
  return first?.summary ?? first?.message ?? "request does not match the expected shape";
}

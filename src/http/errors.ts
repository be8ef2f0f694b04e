import { type ErrorBody, type ErrorCode, httpStatus, OctoError } from "../protocol/errors.ts";

/** The one place that turns any failure into an HTTP response `{error: {code, message}}`. */
export function errorResponse(code: ErrorCode, message: string, headers?: Record<string, string>): Response {
  const body: { error: ErrorBody } = { error: { code, message } };
  return Response.json(body, { status: httpStatus(code), headers });
}

/** Map whatever Elysia or a handler threw to a stable code. Unknown errors are bugs: logged, 500. */
export function mapThrown(code: string | number, error: unknown): { code: ErrorCode; message: string } {
  if (error instanceof OctoError) return { code: error.code, message: error.message };
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

function describeValidation(error: unknown): string {
  const e = error as { all?: { path?: string; summary?: string; message?: string }[]; message?: string };
  const first = e.all?.[0];
  if (first) {
    const where = first.path ? `${first.path.replace(/^\//, "").replaceAll("/", ".")}: ` : "";
    return `${where}${first.summary ?? first.message ?? "invalid value"}`;
  }
  return "request does not match the expected shape";
}

import * as v from "valibot";
import { fail, ok, type Result } from "./errors.ts";

/** Up to three of a failed parse's issues, each as `path: message`, joined with `; `. */
export function describeIssues(issues: readonly v.BaseIssue<unknown>[]): string {
  return issues
    .slice(0, 3)
    .map((issue) => {
      const path = v.getDotPath(issue);
      return path ? `${path}: ${issue.message}` : issue.message;
    })
    .join("; ");
}

/**
 * The one way untrusted input becomes a typed value: `validation_failed` with a message naming
 * `label` (the command, field or body being decoded) and the offending paths, or the parsed output.
 */
export function decode<S extends v.GenericSchema>(
  schema: S,
  value: unknown,
  label?: string,
): Result<v.InferOutput<S>> {
  const parsed = v.safeParse(schema, value);
  if (parsed.success) return ok(parsed.output);
  const detail = describeIssues(parsed.issues);
  return fail("validation_failed", label ? `${label}: ${detail}` : detail);
}

import * as v from "valibot";
import { fail, ok, type Result } from "./errors.ts";

/**
 * Up to three of a failed parse's issues, each as `path: message`, joined with `; `: the first issue
 * of each path only (a field that fails two checks is told once, by the first).
 */
export function describeIssues(issues: readonly v.BaseIssue<unknown>[]): string {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const issue of issues) {
    const path = v.getDotPath(issue) ?? "";
    if (seen.has(path)) continue;
    seen.add(path);
    out.push(path ? `${path}: ${issue.message}` : issue.message);
    if (out.length === 3) break;
  }
  return out.join("; ");
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

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
  return decoded(v.safeParse(schema, value), label);
}

/** `decode`'s answer for a parse already made (e.g. by a `variantParser`). */
export function decoded<S extends v.GenericSchema>(
  parsed: v.SafeParseResult<S>,
  label?: string,
): Result<v.InferOutput<S>> {
  if (parsed.success) return ok(parsed.output);
  const detail = describeIssues(parsed.issues);
  return fail("validation_failed", label ? `${label}: ${detail}` : detail);
}

/** What `variantParser` needs of a `v.variant(key, options)` schema. */
type VariantLike = v.GenericSchema & {
  readonly key: string;
  readonly options: readonly { readonly type: string; readonly entries?: Record<string, unknown> }[];
};

/**
 * `v.safeParse(schema, value)` for a `v.variant`, going straight to the option whose literal
 * discriminator the value carries. valibot's variant tries its options in order and builds an issue
 * (message included) for each one it passes over: for an event near the end of a list of forty,
 * that was most of the cost of validating it, thousands of times per second in a flood. The answer
 * is the variant's own: an option is looked up only when its literal is unique among the options,
 * and any other value (an unknown or non-literal discriminator, not an object) is parsed by the
 * variant itself, issues and all.
 */
export function variantParser<S extends VariantLike>(schema: S): (value: unknown) => v.SafeParseResult<S> {
  const byLiteral = new Map<unknown, v.GenericSchema>();
  const repeated = new Set<unknown>();
  for (const option of schema.options) {
    const tag = option.entries?.[schema.key] as { type?: string; literal?: unknown } | undefined;
    if (tag?.type !== "literal") continue;
    if (byLiteral.has(tag.literal)) repeated.add(tag.literal);
    byLiteral.set(tag.literal, option as unknown as v.GenericSchema);
  }
  for (const literal of repeated) byLiteral.delete(literal);
  return (value) => {
    const tag =
      typeof value === "object" && value !== null
        ? (value as Record<string, unknown>)[schema.key]
        : undefined;
    const option = tag === undefined ? undefined : byLiteral.get(tag);
    return (option ? v.safeParse(option, value) : v.safeParse(schema, value)) as v.SafeParseResult<S>;
  };
}

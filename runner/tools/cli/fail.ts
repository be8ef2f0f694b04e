import * as v from "valibot";

/** A failure is one line on stderr, `octo-tool: <code>: <reason>`, and exit status 1. */
export function failLine(code: string, message: string): number {
  process.stderr.write(`octo-tool: ${code}: ${message.replace(/\s*\n\s*/g, " ")}\n`);
  return 1;
}

/** An answer from the tool socket in the shape this verb expects, or null (then: fail `internal`). */
export function answerOf<S extends v.GenericSchema>(schema: S, value: unknown): v.InferOutput<S> | null {
  const r = v.safeParse(schema, value);
  return r.success ? r.output : null;
}

export const notUnderstood = () => failLine("internal", "the answer was not understood");

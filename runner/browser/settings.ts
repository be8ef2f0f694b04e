import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as v from "valibot";
import { ProjectBrowserSettingsSchema } from "../../src/protocol/browser.ts";
import { describeIssues } from "../../src/protocol/decode.ts";
import { fail, ok, type Result } from "../../src/protocol/errors.ts";

export type BrowserSettings = v.InferOutput<typeof ProjectBrowserSettingsSchema>;

/**
 * The project's `[browser]` settings, read on every call (the file is small and the agent cannot
 * write it). A key octo does not know is an error, never ignored.
 */
export function projectBrowserSettings(projectDir: string): Result<BrowserSettings> {
  let text: string;
  try {
    text = readFileSync(join(projectDir, ".octo", "project.toml"), "utf8");
  } catch {
    return ok({ allow_eval: false });
  }
  let parsed: Record<string, unknown>;
  try {
    parsed = Bun.TOML.parse(text) as Record<string, unknown>;
  } catch (e) {
    return fail("validation_failed", `.octo/project.toml: ${(e as Error).message}`);
  }
  const table = v.safeParse(ProjectBrowserSettingsSchema, parsed.browser ?? {});
  if (!table.success)
    return fail("validation_failed", `.octo/project.toml [browser]: ${describeIssues(table.issues)}`);
  return ok(table.output);
}

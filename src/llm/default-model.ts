import * as v from "valibot";
import { fail, ok, type Result } from "../protocol/errors.ts";
import { DefaultModelBody } from "../protocol/llm.ts";
import { serverSettingsRepo } from "../storage/server-settings.ts";
import { DEFAULT_MODEL_KEY, type ProviderDeps, resolveModel } from "./providers.ts";

/**
 * The default model an admin picks in Admin → Models. Stored in the database, it wins over
 * `llm.default_model` from config.toml; `null` removes the choice so config.toml's applies again.
 */
export function setDefaultModel(deps: ProviderDeps, input: unknown, now = Date.now()): Result<string | null> {
  const body = v.safeParse(DefaultModelBody, input);
  if (!body.success) return fail("validation_failed", `model: ${body.issues[0].message}`);
  const settings = serverSettingsRepo(deps.db);
  const model = body.output.model;
  if (model === null) {
    settings.delete(DEFAULT_MODEL_KEY);
    return ok(null);
  }
  const found = resolveModel(deps, model);
  if (!found.ok)
    return fail("validation_failed", `${found.error.message}; pick one of the models listed on this page`);
  settings.set(DEFAULT_MODEL_KEY, model, now);
  return ok(model);
}

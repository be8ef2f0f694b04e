import { sessionsRepo } from "../storage/sessions.ts";
import { type ProviderDeps, pickableModels } from "./providers.ts";
import type { TokenScope } from "./tokens.ts";

/**
 * Which models a session token may call ("provider/model"). The session's own model always; besides
 * it, any model its user may pick in the model picker (a `set_model` to one of those must keep
 * working without a new token), which today is every configured model whose key is set. A model
 * nobody could pick (its provider has no key) is refused before it costs anything: the seam where
 * per-project or per-user model lists and budgets will plug in.
 */
export function sessionAllowsModel(deps: ProviderDeps, scope: TokenScope, ref: string): boolean {
  if (sessionsRepo(deps.db).byId(scope.sessionId)?.model === ref) return true;
  return pickableModels(deps).some((m) => m.id === ref && m.available);
}

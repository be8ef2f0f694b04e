import type { RunnerBrowserEvent } from "../protocol/browser.ts";
import type { NotifyInput } from "./service.ts";

export interface BrowserAskDeps {
  sessionOwner(sessionId: string): { userId: string; runnerUser: string; projectId: string } | null;
  describe(sessionId: string): string | null;
  notify(userId: string, input: NotifyInput): void;
}

/**
 * The agent asked the person for help in its browser (`octo-tool browser ask`): its browser state
 * gains an `ask`. Notified once per question, and only when the runner that reported it is the
 * session owner's own.
 */
export function watchBrowserAsks(deps: BrowserAskDeps) {
  const asking = new Map<string, string>();
  return (runnerUser: string, e: RunnerBrowserEvent): void => {
    if (e.event !== "browser.state") return;
    const ask = e.state.ask;
    if (!ask) {
      asking.delete(e.session);
      return;
    }
    if (asking.get(e.session) === ask) return;
    const owner = deps.sessionOwner(e.session);
    if (!owner || owner.runnerUser !== runnerUser) return;
    asking.set(e.session, ask);
    deps.notify(owner.userId, {
      kind: "turn.input_needed",
      title: `The agent needs your help in its browser: ${deps.describe(e.session) ?? "a conversation"}`,
      body: ask.slice(0, 300),
      project_id: owner.projectId,
      session_id: e.session,
      url: `/projects/${owner.projectId}/browser?session=${e.session}`,
    });
  };
}

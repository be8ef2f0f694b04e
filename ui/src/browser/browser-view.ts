import type { BrowserEvent, BrowserState } from "../../../src/protocol/browser.ts";

/** What the Browser tab shows for one session: the newest state and frame. */
export interface BrowserView {
  state: BrowserState | null;
  frame: { seq: number; src: string; width: number; height: number } | null;
}

export const emptyView = (): BrowserView => ({ state: null, frame: null });

/** Pure: a pushed browser event (already validated) → the next view of `session`. */
export function reduceBrowser(view: BrowserView, session: string, e: BrowserEvent): BrowserView {
  if (e.session_id !== session) return view;
  if (e.event === "state") return { state: e.state, frame: e.state.driver === "closed" ? null : view.frame };
  if (view.frame && e.seq <= view.frame.seq) return view;
  return {
    ...view,
    frame: { seq: e.seq, src: `data:image/jpeg;base64,${e.data}`, width: e.width, height: e.height },
  };
}

/** The state line under the page. */
export function stateLine(state: BrowserState | null): string {
  switch (state?.driver) {
    case "agent":
      return "Agent driving";
    case "user":
      return "You are driving";
    case "idle":
      return "Idle";
    default:
      return "Closed — the agent opens a browser with octo-tool browser open URL";
  }
}

/**
 * Keyboard shortcuts as a pure matcher: single keys ("?", "n") and two-key sequences ("g p"), like
 * GitHub's. The app feeds it key presses that did not happen inside a text field.
 */

export interface Shortcut {
  keys: string;
  label: string;
  action: string;
}

export const SHORTCUTS: readonly Shortcut[] = [
  { keys: "?", label: "Show keyboard shortcuts", action: "help" },
  { keys: "g p", label: "Go to projects", action: "go:/projects" },
  { keys: "g a", label: "Go to account", action: "go:/account" },
  { keys: "g u", label: "Go to users (admin)", action: "go:/admin/users" },
  { keys: "g i", label: "Go to invites (admin)", action: "go:/admin/invites" },
  { keys: "g m", label: "Go to models (admin)", action: "go:/admin/models" },
  { keys: "g s", label: "Go to status (admin)", action: "go:/admin/status" },
  { keys: "n", label: "New (project, invite, key…) on the current page", action: "new" },
  { keys: "t", label: "Toggle light / dark theme", action: "theme" },
  { keys: "/", label: "Chat: focus the message box", action: "focus" },
  { keys: "Escape", label: "Chat: stop the agent", action: "stop" },
];

export interface MatchState {
  /** First key of a pending sequence, and when it was pressed. */
  pending: string | null;
  at: number;
}
export const SEQUENCE_WINDOW_MS = 1200;
export const idleMatch: MatchState = { pending: null, at: 0 };

export function matchKey(
  state: MatchState,
  key: string,
  now: number,
  shortcuts: readonly Shortcut[] = SHORTCUTS,
): { state: MatchState; action: string | null } {
  const pending = state.pending && now - state.at <= SEQUENCE_WINDOW_MS ? state.pending : null;
  if (pending) {
    const hit = shortcuts.find((s) => s.keys === `${pending} ${key}`);
    if (hit) return { state: idleMatch, action: hit.action };
  }
  const single = shortcuts.find((s) => s.keys === key);
  if (single) return { state: idleMatch, action: single.action };
  if (shortcuts.some((s) => s.keys.startsWith(`${key} `)))
    return { state: { pending: key, at: now }, action: null };
  return { state: idleMatch, action: null };
}

/** Keys typed into a field, or with a modifier other than Shift, are never shortcuts. */
export function isShortcutCandidate(e: {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  target: { tagName?: string; isContentEditable?: boolean } | null;
}): boolean {
  if (e.ctrlKey || e.metaKey || e.altKey) return false;
  const tag = e.target?.tagName?.toLowerCase();
  if (tag === "input" || tag === "textarea" || tag === "select") return false;
  return !e.target?.isContentEditable;
}

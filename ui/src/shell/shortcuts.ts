import { onCleanup } from "solid-js";
import { idleMatch, isShortcutCandidate, type MatchState, matchKey } from "./shortcut-matcher.ts";

/**
 * Wires the pure shortcut matcher to the document. Page-specific actions ("new") are broadcast as a
 * DOM event that the current page handles with `onShortcut`.
 */
export function installShortcuts(run: (action: string) => void): () => void {
  let state: MatchState = idleMatch;
  const onKey = (e: KeyboardEvent) => {
    if (e.defaultPrevented || !isShortcutCandidate({ ...e, target: e.target as HTMLElement | null })) return;
    // Inside an open dialog, keys belong to the dialog.
    if ((e.target as HTMLElement | null)?.closest?.("[role=dialog]")) return;
    const r = matchKey(state, e.key, e.timeStamp);
    state = r.state;
    if (r.action) {
      e.preventDefault();
      run(r.action);
    }
  };
  document.addEventListener("keydown", onKey);
  return () => document.removeEventListener("keydown", onKey);
}

const EVENT = "octo:shortcut";
export const broadcastShortcut = (action: string) =>
  window.dispatchEvent(new CustomEvent(EVENT, { detail: action }));

/** Inside a component: run `fn` when `action` is triggered while it is mounted. */
export function onShortcut(action: string, fn: () => void): void {
  const listener = (e: Event) => {
    if ((e as CustomEvent).detail === action) fn();
  };
  window.addEventListener(EVENT, listener);
  onCleanup(() => window.removeEventListener(EVENT, listener));
}

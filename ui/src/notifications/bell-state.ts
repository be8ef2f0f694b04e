import type { Notification, NotifyEvent } from "../../../src/protocol/notifications.ts";

/** The bell: the newest notifications and how many are unread (the server's count is the truth). */
export interface BellState {
  items: Notification[];
  unread: number;
}

export const EMPTY_BELL: BellState = { items: [], unread: 0 };
const KEEP = 50;

export function applyNotify(state: BellState, e: NotifyEvent, now = Date.now()): BellState {
  if (e.event === "added") {
    const items = [e.notification, ...state.items.filter((n) => n.id !== e.notification.id)].slice(0, KEEP);
    return { items, unread: e.unread };
  }
  const read = e.ids === null ? null : new Set(e.ids);
  return {
    items: state.items.map((n) =>
      n.read_at === null && (read === null || read.has(n.id)) ? { ...n, read_at: now } : n,
    ),
    unread: e.unread,
  };
}

import { createSignal } from "solid-js";
import * as v from "valibot";
import { notifyEventSchema } from "../../../src/protocol/notifications.ts";
import { mux } from "../api/tab-mux.ts";
import { applyNotify, type BellState, EMPTY_BELL } from "./bell-state.ts";
import { listNotifications } from "./notifications-api.ts";

/**
 * The tab's bell: loaded over HTTP, then kept current by the mux `notify` channel (a notification
 * added anywhere, or read in another tab). After a reconnect it reloads (nothing is replayed).
 */
const [bell, setBell] = createSignal<BellState>(EMPTY_BELL);

export { bell };

let started = false;
/** What this tab shows: a conversation (or none) and whether the tab is visible. */
let focused: string | null = null;

const sendFocus = () =>
  void mux().request("notify", "focus", {
    session_id: focused,
    visible: document.visibilityState === "visible",
  });

export function startBell(): void {
  if (started) return;
  started = true;
  const client = mux();
  const reload = async () => {
    const r = await listNotifications();
    if (r.ok) setBell({ items: r.value.notifications, unread: r.value.unread });
  };
  client.onChannel("notify", (frame) => {
    const e = v.safeParse(notifyEventSchema, frame);
    if (e.success) setBell((s) => applyNotify(s, e.output));
  });
  const open = () => {
    void client.request("notify", "watch");
    sendFocus();
    void reload();
  };
  client.onOpen(open);
  if (client.isOpen()) open();
  document.addEventListener("visibilitychange", sendFocus);
}

/** The chat reports the conversation it shows (null: none), so the server does not push it. */
export function reportFocus(sessionId: string | null): void {
  if (focused === sessionId) return;
  focused = sessionId;
  if (started) sendFocus();
}

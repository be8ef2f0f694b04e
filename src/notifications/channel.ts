import type { ChannelHandler } from "../mux/connection.ts";
import { decode } from "../protocol/decode.ts";
import { NotifyCommandSchema } from "../protocol/notifications.ts";
import type { NotificationService } from "./service.ts";

/**
 * The mux `notify` channel: `watch` makes the tab hear new and read notifications (its bell stays
 * current); `focus` says which conversation it shows and whether it is visible (no push for that one).
 * Everything is the socket's own user's: there are no ids to check beyond the session id, which only
 * ever suppresses that user's own pushes.
 */
export function notifyChannel(notifications: NotificationService): ChannelHandler {
  return {
    async handle(conn, cmd, body) {
      const c = decode(NotifyCommandSchema, { ...body, cmd }, "notify");
      if (!c.ok) return c;
      if (c.value.cmd === "watch") {
        notifications.presence.watch(conn);
        return { ok: true, data: { unread: notifications.unread(conn.user.id) } };
      }
      notifications.presence.focus(conn, c.value.session_id, c.value.visible);
      return { ok: true, data: {} };
    },
    closed(conn) {
      notifications.presence.forget(conn);
    },
  };
}

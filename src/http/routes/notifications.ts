import { Elysia } from "elysia";
import {
  MarkReadBody,
  NotificationListQuery,
  NotificationPrefsSchema,
  PushSubscribeBody,
} from "../../protocol/notifications.ts";
import { accountOf, authGuard } from "../auth.ts";
import type { HttpContext } from "../context.ts";
import { unwrap } from "../errors.ts";

/** The signed-in user's notifications (the bell), their preferences and their devices for Web Push. */
export function notificationRoutes(ctx: HttpContext) {
  const notifications = ctx.services.notifications;
  return new Elysia({ prefix: "/api/notifications" })
    .use(authGuard(ctx))
    .get("", ({ auth, query }) => notifications.list(accountOf(auth).id, query.limit ?? 50), {
      query: NotificationListQuery,
    })
    .post("/read", ({ auth, body }) => notifications.markRead(accountOf(auth).id, body), {
      body: MarkReadBody,
    })
    .get("/preferences", ({ auth }) => ({ preferences: notifications.prefs(accountOf(auth).id) }))
    .put(
      "/preferences",
      ({ auth, body }) => ({ preferences: notifications.setPrefs(accountOf(auth).id, body) }),
      { body: NotificationPrefsSchema },
    )
    .get("/push", ({ auth }) => ({
      public_key: notifications.vapidPublicKey,
      devices: notifications.devices(accountOf(auth).id),
    }))
    .post(
      "/push/subscriptions",
      ({ auth, body }) => ({ device: unwrap(notifications.subscribe(accountOf(auth).id, body)) }),
      { body: PushSubscribeBody },
    )
    .delete("/push/subscriptions/:id", ({ auth, params }) => {
      unwrap(notifications.unsubscribe(accountOf(auth).id, params.id));
      return { ok: true };
    });
}

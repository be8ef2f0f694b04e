import * as v from "valibot";
import {
  type MarkRead,
  type NotificationPrefs,
  NotificationPrefsSchema,
  notificationSchema,
  pushDeviceSchema,
} from "../../../src/protocol/notifications.ts";
import { api, OkResponse } from "../api/http.ts";

/** The bell, notification preferences and push devices (contracts in src/protocol/notifications.ts). */

export const listNotifications = () =>
  api(
    "GET",
    "/api/notifications?limit=50",
    v.object({ notifications: v.array(notificationSchema), unread: v.number() }),
  );
export const markRead = (what: MarkRead) =>
  api("POST", "/api/notifications/read", v.object({ unread: v.number() }), { body: what });
export const getPrefs = () =>
  api("GET", "/api/notifications/preferences", v.object({ preferences: NotificationPrefsSchema }));
export const putPrefs = (preferences: NotificationPrefs) =>
  api("PUT", "/api/notifications/preferences", v.object({ preferences: NotificationPrefsSchema }), {
    body: preferences,
  });
export const pushInfo = () =>
  api(
    "GET",
    "/api/notifications/push",
    v.object({ public_key: v.nullable(v.string()), devices: v.array(pushDeviceSchema) }),
  );
export const addDevice = (subscription: PushSubscriptionJSON, device: string) =>
  api("POST", "/api/notifications/push/subscriptions", v.object({ device: pushDeviceSchema }), {
    body: { endpoint: subscription.endpoint, keys: subscription.keys, device },
  });
export const removeDevice = (id: string) =>
  api("DELETE", `/api/notifications/push/subscriptions/${encodeURIComponent(id)}`, OkResponse);

import * as v from "valibot";
import { idSchema } from "./ids.ts";

/**
 * Notifications: what happened that a person may want to hear about while not watching, where they
 * hear it (the in-app bell, Web Push to their devices), and the mux `notify` channel that keeps every
 * open tab's bell current.
 *
 *   watch                         → {unread}         this tab hears `added`/`read` from now on
 *   focus {session_id|null, visible} → {}            what this tab shows (no push for it meanwhile)
 *   event {ch:"notify", event:"added", notification, unread}
 *   event {ch:"notify", event:"read", ids: string[] | null (all), unread}
 */

export const NOTIFICATION_KINDS = [
  "turn.finished",
  "turn.failed",
  "turn.input_needed",
  "schedule.finished",
  "schedule.failed",
  "budget.reached",
] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

export const NOTIFICATION_CHANNELS = ["app", "push"] as const;
export type NotificationChannel = (typeof NOTIFICATION_CHANNELS)[number];

export const KIND_LABELS: Record<NotificationKind, string> = {
  "turn.finished": "A reply is finished",
  "turn.failed": "A turn failed",
  "turn.input_needed": "An agent waits for you (a question, the browser)",
  "schedule.finished": "A scheduled run finished",
  "schedule.failed": "A scheduled run failed",
  "budget.reached": "A budget was reached",
};

const short = (max: number) => v.pipe(v.string(), v.maxLength(max));

export const notificationSchema = v.object({
  id: idSchema("ntf"),
  kind: v.picklist(NOTIFICATION_KINDS),
  title: v.string(),
  body: v.string(),
  project_id: v.nullable(v.string()),
  session_id: v.nullable(v.string()),
  /** The event of the conversation it is about (its anchor), when it is about one. */
  seq: v.nullable(v.number()),
  /** Where a click goes: a path of this site. */
  url: v.string(),
  created_at: v.number(),
  read_at: v.nullable(v.number()),
});
export type Notification = v.InferOutput<typeof notificationSchema>;

/** Per kind, per channel: on or off. A kind missing from a stored preference takes the default. */
const channelPrefs = v.strictObject({ app: v.boolean(), push: v.boolean() });
export const NotificationPrefsSchema = v.strictObject(
  Object.fromEntries(NOTIFICATION_KINDS.map((k) => [k, channelPrefs])) as Record<
    NotificationKind,
    typeof channelPrefs
  >,
);
export type NotificationPrefs = v.InferOutput<typeof NotificationPrefsSchema>;

/** Everything in the app; on devices, what needs the person or ends unattended work. */
export const DEFAULT_PREFS: NotificationPrefs = {
  "turn.finished": { app: true, push: true },
  "turn.failed": { app: true, push: true },
  "turn.input_needed": { app: true, push: true },
  "schedule.finished": { app: true, push: true },
  "schedule.failed": { app: true, push: true },
  "budget.reached": { app: true, push: true },
};

export const NotificationListQuery = v.object({
  limit: v.optional(
    v.pipe(v.string(), v.regex(/^\d{1,3}$/, "limit must be 1-200"), v.transform(Number), v.maxValue(200)),
  ),
});

export const MarkReadBody = v.union([
  v.strictObject({ ids: v.pipe(v.array(idSchema("ntf")), v.minLength(1), v.maxLength(500)) }),
  v.strictObject({ all: v.literal(true) }),
]);
export type MarkRead = v.InferOutput<typeof MarkReadBody>;

/** base64url without padding, as PushSubscription.toJSON() gives it. */
const b64url = (min: number, max: number) =>
  v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]+$/, "expected base64url"), v.minLength(min), v.maxLength(max));

/** A browser's PushSubscription (its `toJSON()`), plus a name for the device. */
export const PushSubscribeBody = v.strictObject({
  endpoint: v.pipe(v.string(), v.url("endpoint must be a URL"), v.maxLength(2048)),
  expirationTime: v.optional(v.nullable(v.number())),
  keys: v.strictObject({
    /** The client's P-256 public key, uncompressed point: 65 bytes = 87 chars. */
    p256dh: b64url(86, 88),
    /** The 16-byte auth secret: 22 chars. */
    auth: b64url(21, 24),
  }),
  device: v.optional(short(100)),
});
export type PushSubscribe = v.InferOutput<typeof PushSubscribeBody>;

export const pushDeviceSchema = v.object({
  id: idSchema("psh"),
  device: v.string(),
  created_at: v.number(),
  last_ok_at: v.nullable(v.number()),
});
export type PushDevice = v.InferOutput<typeof pushDeviceSchema>;

/** What a push message carries (encrypted, to the service worker). */
export const pushPayloadSchema = v.object({
  id: v.string(),
  kind: v.picklist(NOTIFICATION_KINDS),
  title: v.string(),
  body: v.string(),
  url: v.string(),
  session_id: v.nullable(v.string()),
});
export type PushPayload = v.InferOutput<typeof pushPayloadSchema>;

// ---------------------------------------------------------------- mux `notify` channel

export const NotifyCommandSchema = v.variant("cmd", [
  v.strictObject({ cmd: v.literal("watch") }),
  v.strictObject({
    cmd: v.literal("focus"),
    session_id: v.nullable(idSchema("ses")),
    visible: v.boolean(),
  }),
]);
export type NotifyCommand = v.InferOutput<typeof NotifyCommandSchema>;

const unread = v.pipe(v.number(), v.integer(), v.minValue(0));
export const notifyEventSchema = v.variant("event", [
  v.object({ ch: v.literal("notify"), event: v.literal("added"), notification: notificationSchema, unread }),
  v.object({
    ch: v.literal("notify"),
    event: v.literal("read"),
    ids: v.nullable(v.array(v.string())),
    unread,
  }),
]);
export type NotifyEvent = v.InferOutput<typeof notifyEventSchema>;

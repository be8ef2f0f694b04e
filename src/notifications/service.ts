import type { Database } from "bun:sqlite";
import * as v from "valibot";
import { fail, ok, type Result } from "../protocol/errors.ts";
import { newId } from "../protocol/ids.ts";
import {
  DEFAULT_PREFS,
  type MarkRead,
  type Notification,
  type NotificationKind,
  type NotificationPrefs,
  NotificationPrefsSchema,
  type NotifyEvent,
  type PushDevice,
  type PushPayload,
  type PushSubscribe,
} from "../protocol/notifications.ts";
import type { Logger } from "../shared/log.ts";
import { type NotificationRow, notificationsRepo, pushSubscriptionsRepo } from "../storage/notifications.ts";
import { Presence } from "./presence.ts";
import { type PushSend, pushEndpointProblem } from "./push.ts";

/** What a feature tells the notification service: schedules, budgets and turns all come through here. */
export interface NotifyInput {
  kind: NotificationKind;
  title: string;
  body?: string;
  project_id?: string | null;
  session_id?: string | null;
  /** The event of the conversation to open at. */
  seq?: number | null;
  /** The message to open at (the reply a turn ended with). */
  message_id?: string | null;
  /** Where a click goes; by default the conversation (at `seq`), else the project. */
  url?: string;
}

export interface NotificationDeps {
  db: Database;
  log: Logger;
  /** Null when Web Push is off (no keys). */
  push: PushSend | null;
  vapidPublicKey: string | null;
  /** Admit plain-http loopback push endpoints (a push service beside a test server). */
  allowHttpEndpoints?: boolean;
  now?: () => number;
  /** How many notifications a user keeps (oldest go first). */
  keep?: number;
}

const MAX_BODY = 300;

export const conversationUrl = (
  projectId: string,
  sessionId: string,
  seq?: number | null,
  messageId?: string | null,
): string =>
  `/projects/${projectId}/chat?session=${sessionId}${seq ? `&at=${seq}` : ""}${messageId ? `&msg=${messageId}` : ""}`;

export const publicNotification = (r: NotificationRow): Notification => ({
  id: r.id,
  kind: r.kind as NotificationKind,
  title: r.title,
  body: r.body,
  project_id: r.project_id,
  session_id: r.session_id,
  seq: r.seq,
  url: r.url,
  created_at: r.created_at,
  read_at: r.read_at,
});

/**
 * Notifications: `notify(userId, event)` stores it for the bell (unless the person turned that
 * kind off in the app), tells the user's open tabs at once over the mux, and pushes it to their
 * devices — except while they look at that very conversation. Push outcomes prune dead devices.
 */
export class NotificationService {
  readonly presence = new Presence();
  private readonly repo;
  private readonly subs;
  private readonly now: () => number;
  private readonly inflight = new Set<Promise<void>>();

  constructor(private readonly deps: NotificationDeps) {
    this.repo = notificationsRepo(deps.db);
    this.subs = pushSubscriptionsRepo(deps.db);
    this.now = deps.now ?? Date.now;
  }

  get vapidPublicKey(): string | null {
    return this.deps.vapidPublicKey;
  }

  notify(userId: string, input: NotifyInput): Notification | null {
    const prefs = this.prefs(userId)[input.kind];
    const session = input.session_id ?? null;
    const looking = session !== null && this.presence.isLooking(userId, session);
    const url =
      input.url ??
      (input.project_id && session
        ? conversationUrl(input.project_id, session, input.seq, input.message_id)
        : input.project_id
          ? `/projects/${input.project_id}`
          : "/projects");
    const now = this.now();
    const row: NotificationRow = {
      id: newId("ntf", now),
      user_id: userId,
      kind: input.kind,
      title: input.title.slice(0, 200),
      body: (input.body ?? "").slice(0, MAX_BODY),
      project_id: input.project_id ?? null,
      session_id: session,
      seq: input.seq ?? null,
      url,
      created_at: now,
      // Seen as it happened: in the list, but not counted as unread.
      read_at: looking ? now : null,
    };
    let stored: Notification | null = null;
    if (prefs.app) {
      try {
        this.repo.insert(row);
        this.repo.prune(userId, this.deps.keep ?? 500);
      } catch (e) {
        // The user was deleted meanwhile: nothing to tell anyone.
        this.deps.log.warn("notification not stored", { user: userId, error: String(e) });
        return null;
      }
      stored = publicNotification(row);
      this.send(userId, {
        ch: "notify",
        event: "added",
        notification: stored,
        unread: this.repo.unread(userId),
      });
    }
    if (prefs.push && !looking && this.deps.push) {
      const payload: PushPayload = {
        id: row.id,
        kind: row.kind as NotificationKind,
        title: row.title,
        body: row.body,
        url,
        session_id: session,
      };
      this.track(this.pushAll(userId, payload));
    }
    return stored;
  }

  list(userId: string, limit = 50): { notifications: Notification[]; unread: number } {
    return {
      notifications: this.repo.list(userId, limit).map(publicNotification),
      unread: this.repo.unread(userId),
    };
  }

  unread(userId: string): number {
    return this.repo.unread(userId);
  }

  /** Every tab of the user hears which were read, so their bells agree. */
  markRead(userId: string, what: MarkRead): { unread: number } {
    const now = this.now();
    let ids: string[] | null;
    if ("all" in what) {
      this.repo.markAllRead(userId, now);
      ids = null;
    } else ids = this.repo.markRead(userId, what.ids, now);
    const unread = this.repo.unread(userId);
    if (ids === null || ids.length > 0) this.send(userId, { ch: "notify", event: "read", ids, unread });
    return { unread };
  }

  prefs(userId: string): NotificationPrefs {
    const raw = this.repo.prefs(userId);
    if (!raw) return DEFAULT_PREFS;
    const parsed = v.safeParse(v.partial(NotificationPrefsSchema), JSON.parse(raw));
    return parsed.success ? { ...DEFAULT_PREFS, ...parsed.output } : DEFAULT_PREFS;
  }

  setPrefs(userId: string, prefs: NotificationPrefs): NotificationPrefs {
    this.repo.setPrefs(userId, JSON.stringify(prefs), this.now());
    return prefs;
  }

  devices(userId: string): PushDevice[] {
    return this.subs.ofUser(userId).map((s) => ({
      id: s.id,
      device: s.device,
      created_at: s.created_at,
      last_ok_at: s.last_ok_at,
    }));
  }

  subscribe(userId: string, body: PushSubscribe): Result<PushDevice> {
    if (!this.deps.push) return fail("conflict", "Web Push is not available on this server");
    const problem = pushEndpointProblem(body.endpoint, this.deps.allowHttpEndpoints ?? false);
    if (problem) return fail("validation_failed", problem);
    const row = this.subs.upsert({
      id: newId("psh", this.now()),
      user_id: userId,
      endpoint: body.endpoint,
      p256dh: body.keys.p256dh,
      auth: body.keys.auth,
      device: body.device?.trim() || "this device",
      created_at: this.now(),
      last_ok_at: null,
    });
    return ok({ id: row.id, device: row.device, created_at: row.created_at, last_ok_at: row.last_ok_at });
  }

  unsubscribe(userId: string, id: string): Result<null> {
    return this.subs.remove(userId, id) ? ok(null) : fail("not_found", "no such device");
  }

  /** Resolves when every push started so far has been answered (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.inflight.size > 0) await Promise.all([...this.inflight]);
  }

  private track(p: Promise<void>): void {
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p));
  }

  private async pushAll(userId: string, payload: PushPayload): Promise<void> {
    const push = this.deps.push;
    if (!push) return;
    await Promise.all(
      this.subs.ofUser(userId).map(async (sub) => {
        const r = await push(sub, payload);
        if (r.kind === "ok") this.subs.delivered(sub.id, this.now());
        else if (r.kind === "gone") {
          this.subs.removeById(sub.id);
          this.deps.log.info("push subscription gone: removed", {
            user: userId,
            device: sub.id,
            status: r.status,
          });
        } else this.deps.log.warn("push not delivered", { user: userId, device: sub.id, reason: r.reason });
      }),
    );
  }

  private send(userId: string, event: NotifyEvent): void {
    this.presence.broadcast(userId, JSON.stringify(event));
  }
}

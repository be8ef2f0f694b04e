import type { Database } from "bun:sqlite";

/** SQL for notifications, each user's notification preferences and their devices' push subscriptions. */

export interface NotificationRow {
  id: string;
  user_id: string;
  kind: string;
  title: string;
  body: string;
  project_id: string | null;
  session_id: string | null;
  seq: number | null;
  url: string;
  created_at: number;
  read_at: number | null;
}

export interface PushSubscriptionRow {
  id: string;
  user_id: string;
  endpoint: string;
  p256dh: string;
  auth: string;
  device: string;
  created_at: number;
  last_ok_at: number | null;
}

export const notificationsRepo = (db: Database) => ({
  insert(row: NotificationRow): void {
    db.query(
      `INSERT INTO notifications (id, user_id, kind, title, body, project_id, session_id, seq, url, created_at, read_at)
       VALUES ($id, $user_id, $kind, $title, $body, $project_id, $session_id, $seq, $url, $created_at, $read_at)`,
    ).run({ ...row });
  },
  /** Newest first. */
  list(userId: string, limit: number): NotificationRow[] {
    return db
      .query<NotificationRow, [string, number]>(
        "SELECT * FROM notifications WHERE user_id = ? ORDER BY id DESC LIMIT ?",
      )
      .all(userId, limit);
  },
  unread(userId: string): number {
    return (
      db
        .query<{ n: number }, [string]>(
          "SELECT count(*) AS n FROM notifications WHERE user_id = ? AND read_at IS NULL",
        )
        .get(userId)?.n ?? 0
    );
  },
  /** Marks the user's own unread ones among `ids` (another user's ids change nothing); returns those marked. */
  markRead(userId: string, ids: readonly string[], now: number): string[] {
    const marked: string[] = [];
    const q = db.query<{ id: string }, [number, string, string]>(
      "UPDATE notifications SET read_at = ? WHERE id = ? AND user_id = ? AND read_at IS NULL RETURNING id",
    );
    db.transaction(() => {
      for (const id of ids) if (q.get(now, id, userId)) marked.push(id);
    })();
    return marked;
  },
  markAllRead(userId: string, now: number): number {
    return db
      .query("UPDATE notifications SET read_at = ? WHERE user_id = ? AND read_at IS NULL")
      .run(now, userId).changes;
  },
  /** Keeps the newest `keep` of a user's notifications. */
  prune(userId: string, keep: number): void {
    db.query(
      `DELETE FROM notifications WHERE user_id = ? AND id NOT IN
         (SELECT id FROM notifications WHERE user_id = ? ORDER BY id DESC LIMIT ?)`,
    ).run(userId, userId, keep);
  },
  prefs(userId: string): string | null {
    return (
      db
        .query<{ prefs: string }, [string]>("SELECT prefs FROM notification_prefs WHERE user_id = ?")
        .get(userId)?.prefs ?? null
    );
  },
  setPrefs(userId: string, prefs: string, now: number): void {
    db.query(
      `INSERT INTO notification_prefs (user_id, prefs, updated_at) VALUES (?, ?, ?)
       ON CONFLICT(user_id) DO UPDATE SET prefs = excluded.prefs, updated_at = excluded.updated_at`,
    ).run(userId, prefs, now);
  },
});

export const pushSubscriptionsRepo = (db: Database) => ({
  /** One row per endpoint: a browser that subscribes again (or for another user) replaces its row. */
  upsert(row: PushSubscriptionRow): PushSubscriptionRow {
    return db
      .query<PushSubscriptionRow, Record<string, string | number | null>>(
        `INSERT INTO push_subscriptions (id, user_id, endpoint, p256dh, auth, device, created_at, last_ok_at)
         VALUES ($id, $user_id, $endpoint, $p256dh, $auth, $device, $created_at, NULL)
         ON CONFLICT(endpoint) DO UPDATE SET user_id = excluded.user_id, p256dh = excluded.p256dh,
           auth = excluded.auth, device = excluded.device
         RETURNING *`,
      )
      .get({ ...row }) as PushSubscriptionRow;
  },
  ofUser(userId: string): PushSubscriptionRow[] {
    return db
      .query<PushSubscriptionRow, [string]>(
        "SELECT * FROM push_subscriptions WHERE user_id = ? ORDER BY created_at",
      )
      .all(userId);
  },
  /** Only the user's own: another user's id is "not found". */
  remove(userId: string, id: string): boolean {
    return (
      db.query("DELETE FROM push_subscriptions WHERE id = ? AND user_id = ?").run(id, userId).changes > 0
    );
  },
  removeById(id: string): void {
    db.query("DELETE FROM push_subscriptions WHERE id = ?").run(id);
  },
  delivered(id: string, now: number): void {
    db.query("UPDATE push_subscriptions SET last_ok_at = ? WHERE id = ?").run(now, id);
  },
});

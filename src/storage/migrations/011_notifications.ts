import type { Migration } from "../db.ts";

/**
 * Notifications (the in-app bell), each user's choice of which kinds reach which channel, and the
 * Web Push subscriptions of their devices (one row per browser endpoint).
 */
export const m011: Migration = {
  // Numbered 011 for the merge (010 lands from another branch); 10 while it follows 009 here.
  version: 11,
  name: "notifications",
  sql: `
CREATE TABLE notifications (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  title TEXT NOT NULL,
  body TEXT NOT NULL,
  project_id TEXT,
  session_id TEXT,
  seq INTEGER,
  url TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  read_at INTEGER
);
CREATE INDEX notifications_user ON notifications(user_id, id);
CREATE INDEX notifications_unread ON notifications(user_id) WHERE read_at IS NULL;
CREATE TABLE notification_prefs (
  user_id TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  prefs TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE TABLE push_subscriptions (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  endpoint TEXT NOT NULL UNIQUE,
  p256dh TEXT NOT NULL,
  auth TEXT NOT NULL,
  device TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  last_ok_at INTEGER
);
CREATE INDEX push_subscriptions_user ON push_subscriptions(user_id);
`,
};

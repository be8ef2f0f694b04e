import * as v from "valibot";
import { idSchema } from "./ids.ts";

/**
 * Conversations shared read-only (issue 15, decision 0029). Only a conversation's owner manages its
 * shares; to anyone else the routes answer `not_found`, exactly as for a missing conversation.
 *
 *   GET    /api/sessions/:id/shares            → { shares: ShareInfo[] }
 *   POST   /api/sessions/:id/shares  ShareBody → { share: ShareInfo }
 *   DELETE /api/sessions/:id/shares/:grantee   → { ok: true }   (`grantee`: a username, or `everyone`)
 *   GET    /api/shared                         → { sessions: SharedSession[] }   (shared with me)
 *   GET    /api/shared/:id                     → { session: SharedSession }
 *   POST   /api/shared/:id/fork  ForkSharedBody → { session_id, project_id }
 *   GET    /api/users/directory?q=             → { users: DirectoryUser[] }   (people to share with)
 */

export const ShareInfo = v.object({
  /** `user`: one named user; `everyone`: everyone signed in to this server. */
  kind: v.picklist(["user", "everyone"]),
  /** The grantee's username (null for everyone). */
  username: v.nullable(v.string()),
  created_at: v.number(),
});
export type ShareInfo = v.InferOutput<typeof ShareInfo>;

const username = v.pipe(v.string(), v.minLength(1), v.maxLength(64));

export const ShareBody = v.union([
  v.strictObject({ username }),
  v.strictObject({ everyone: v.literal(true) }),
]);
export type ShareBody = v.InferOutput<typeof ShareBody>;

/** A conversation someone shared with me, as "Shared with me" lists it. */
export const SharedSession = v.object({
  id: v.string(),
  title: v.string(),
  /** Whose it is. */
  owner: v.string(),
  status: v.string(),
  last_seq: v.number(),
  created_at: v.number(),
  updated_at: v.number(),
  shared_at: v.number(),
});
export type SharedSession = v.InferOutput<typeof SharedSession>;

export const ForkSharedBody = v.strictObject({
  /** One of my projects; absent: the one I used most recently. */
  project_id: v.optional(idSchema("prj")),
});
export type ForkSharedBody = v.InferOutput<typeof ForkSharedBody>;

export const ForkSharedResult = v.object({ session_id: v.string(), project_id: v.string() });
export type ForkSharedResult = v.InferOutput<typeof ForkSharedResult>;

/** Someone one may share with: only the username (octo keeps no other display name yet). */
export const DirectoryUser = v.object({ username: v.string(), display_name: v.string() });
export type DirectoryUser = v.InferOutput<typeof DirectoryUser>;

/** The `grantee` path segment that means everyone. */
export const EVERYONE_GRANTEE = "everyone";

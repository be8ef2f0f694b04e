import { newId } from "../protocol/ids.ts";
import type { SessionRow } from "../storage/sessions.ts";

/** A session row as it starts: no agent process yet, no events, no pi session file. */
export function newSessionRow(
  base: Pick<SessionRow, "user_id" | "project_id" | "title" | "model" | "profile" | "parent_id">,
  now: number,
): SessionRow {
  return {
    id: newId("ses", now),
    user_id: base.user_id,
    project_id: base.project_id,
    title: base.title,
    model: base.model,
    profile: base.profile,
    parent_id: base.parent_id,
    pi_session_file: null,
    pi_session_id: null,
    status: "starting",
    last_seq: 0,
    created_at: now,
    updated_at: now,
    closed_at: null,
    proc_id: null,
    last_active_at: now,
  };
}

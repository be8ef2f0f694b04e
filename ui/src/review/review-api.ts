import * as v from "valibot";
import {
  type ChangedFile,
  ChangesResultSchema,
  CheckpointSchema,
  DiffResultSchema,
  RestoreResultSchema,
} from "../../../src/protocol/review.ts";
import { type ApiResult, api } from "../api/http.ts";

/** Whose changes: a conversation (optionally one turn of it) or a project. */
export type ChangesSource =
  | { kind: "session"; id: string; messageId?: string }
  | { kind: "project"; id: string };

const enc = encodeURIComponent;
const base = (s: ChangesSource) =>
  s.kind === "session" ? `/api/sessions/${enc(s.id)}` : `/api/projects/${enc(s.id)}`;
const turn = (s: ChangesSource, sep: "?" | "&") =>
  s.kind === "session" && s.messageId ? `${sep}message_id=${enc(s.messageId)}` : "";

export const listChanges = (s: ChangesSource) =>
  api("GET", `${base(s)}/changes${turn(s, "?")}`, ChangesResultSchema);

export const fileDiff = (s: ChangesSource, path: string, offset = 0, limit = 1500) =>
  api(
    "GET",
    `${base(s)}/changes/diff?path=${enc(path)}&offset=${offset}&limit=${limit}${turn(s, "&")}`,
    DiffResultSchema,
  );

const Discarded = v.object({ checkpoint: CheckpointSchema });
export const discard = (s: ChangesSource, path: string, hunk?: { index: number; header: string }) =>
  api("POST", `${base(s)}/discard`, Discarded, {
    body: {
      path,
      ...(hunk ? { hunk } : {}),
      ...(s.kind === "session" && s.messageId ? { message_id: s.messageId } : {}),
    },
  });

/** Back to a checkpoint (the undo of a discard or a restore). */
export const restoreCheckpoint = (s: ChangesSource, checkpointId: string) =>
  api("POST", `${base(s)}/restore`, RestoreResultSchema, { body: { checkpoint_id: checkpointId } });

export const restoreBefore = (
  sessionId: string,
  messageId: string,
  opts: { preview?: boolean; stop_agents?: boolean } = {},
) =>
  api("POST", `/api/sessions/${enc(sessionId)}/restore`, RestoreResultSchema, {
    body: { message_id: messageId, ...opts },
  });

export type { ApiResult, ChangedFile };

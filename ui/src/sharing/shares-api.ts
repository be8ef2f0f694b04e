import { createSignal } from "solid-js";
import * as v from "valibot";
import { Project } from "../../../src/protocol/projects.ts";
import {
  DirectoryUser,
  ForkSharedResult,
  type ShareBody,
  SharedSession,
  ShareInfo,
} from "../../../src/protocol/shares.ts";
import { api } from "../api/http.ts";
import type { MuxClient } from "../api/mux-client.ts";

/** Sharing conversations (src/protocol/shares.ts): the owner's shares, and what others shared with me. */

const enc = encodeURIComponent;

export const listShares = (sessionId: string) =>
  api("GET", `/api/sessions/${enc(sessionId)}/shares`, v.object({ shares: v.array(ShareInfo) }));

export const addShare = (sessionId: string, body: ShareBody) =>
  api("POST", `/api/sessions/${enc(sessionId)}/shares`, v.object({ share: ShareInfo }), { body });

/** `grantee`: a username, or `everyone`. */
export const removeShare = (sessionId: string, grantee: string) =>
  api("DELETE", `/api/sessions/${enc(sessionId)}/shares/${enc(grantee)}`, v.object({ ok: v.literal(true) }));

export const sharedWithMe = () => api("GET", "/api/shared", v.object({ sessions: v.array(SharedSession) }));

export const sharedSession = (id: string) =>
  api("GET", `/api/shared/${enc(id)}`, v.object({ session: SharedSession }));

export const forkShared = (id: string, projectId?: string) =>
  api("POST", `/api/shared/${enc(id)}/fork`, ForkSharedResult, {
    body: projectId ? { project_id: projectId } : {},
  });

export const findUsers = (q: string, signal?: AbortSignal) =>
  api("GET", `/api/users/directory?q=${enc(q)}`, v.object({ users: v.array(DirectoryUser) }), { signal });

export const myProjects = () => api("GET", "/api/projects", v.object({ projects: v.array(Project) }));

// ---------------------------------------------------------------- "Shared with me", kept live

const [shared, setShared] = createSignal<SharedSession[]>([]);
let watching: (() => void) | null = null;

const reload = async () => {
  const r = await sharedWithMe();
  if (r.ok) setShared(r.value.sessions);
};

/**
 * The conversations shared with me, reloaded whenever the server says they changed (shared,
 * unshared, deleted) and after every reconnect (a change may have happened while away).
 */
export function sharedList(mux: MuxClient): () => SharedSession[] {
  if (!watching) {
    const a = mux.onSharesChanged(() => void reload());
    const b = mux.onOpen(() => void reload());
    watching = () => {
      a();
      b();
    };
    void reload();
  }
  return shared;
}

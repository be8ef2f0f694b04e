import * as v from "valibot";
import { UsageResponse } from "../../../src/protocol/llm.ts";
import { SearchHit, Session } from "../../../src/protocol/projects.ts";
import { api } from "../api/http.ts";

/** The chat's HTTP reads (DESIGN.md: listings and search over HTTP, live work over the mux). */

const enc = encodeURIComponent;

export const listSessions = (projectId: string) =>
  api("GET", `/api/projects/${enc(projectId)}/sessions`, v.object({ sessions: v.array(Session) }));

export const getSession = (id: string) =>
  api("GET", `/api/sessions/${enc(id)}`, v.object({ session: Session }));

export const searchSessions = (q: string, projectId: string, signal?: AbortSignal) =>
  api(
    "GET",
    `/api/sessions/search?q=${enc(q)}&project_id=${enc(projectId)}`,
    v.object({ hits: v.array(SearchHit) }),
    { signal },
  );

export const sessionUsage = (sessionId: string) =>
  api("GET", `/api/usage?session_id=${enc(sessionId)}`, UsageResponse);

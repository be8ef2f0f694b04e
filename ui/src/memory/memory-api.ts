import * as v from "valibot";
import { MemorySchema, MemorySourceSchema } from "../../../src/protocol/memory.ts";
import { api } from "../api/http.ts";

export type { Memory, MemorySource } from "../../../src/protocol/memory.ts";

const base = (projectId: string) => `/api/projects/${encodeURIComponent(projectId)}/memories`;
const List = v.object({ memories: v.array(MemorySchema) });
const One = v.object({ memory: MemorySchema });
const Detail = v.object({
  memory: MemorySchema,
  changes: v.array(v.object({ action: v.string(), by: MemorySourceSchema, at: v.number() })),
});

export const listMemories = (projectId: string, q: string, tag: string | null, signal?: AbortSignal) => {
  const query = new URLSearchParams();
  if (q.trim()) query.set("q", q);
  if (tag) query.set("tag", tag);
  const qs = query.toString();
  return api("GET", `${base(projectId)}${qs ? `?${qs}` : ""}`, List, { signal });
};
export const getMemory = (projectId: string, id: string) => api("GET", `${base(projectId)}/${id}`, Detail);
export const addMemory = (
  projectId: string,
  body: { text: string; tags: string[]; scope: "project" | "user" },
) => api("POST", base(projectId), One, { body });
export const updateMemory = (
  projectId: string,
  id: string,
  body: { text?: string; tags?: string[]; pinned?: boolean },
) => api("PATCH", `${base(projectId)}/${id}`, One, { body });
export const forgetMemory = (projectId: string, id: string) =>
  api("DELETE", `${base(projectId)}/${id}`, v.object({ ok: v.literal(true) }));

/** "a, b  c" → ["a", "b", "c"] (the server checks each). */
export const parseTags = (text: string) =>
  text
    .split(/[\s,]+/)
    .map((t) => t.trim().toLowerCase())
    .filter(Boolean);

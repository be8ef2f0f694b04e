import type { Session } from "../../../src/protocol/projects.ts";

/**
 * The session sidebar's list, pure: newest activity first, edited in place by what the tab itself
 * did (create, rename, delete) and by events it saw, then replaced by the server's list on reload.
 */

export const sortSessions = (list: readonly Session[]): Session[] =>
  [...list].sort((a, b) => b.updated_at - a.updated_at || (a.id < b.id ? 1 : -1));

export function upsertSession(list: readonly Session[], s: Session): Session[] {
  return sortSessions([...list.filter((x) => x.id !== s.id), s]);
}

export function patchSession(list: readonly Session[], id: string, patch: Partial<Session>): Session[] {
  return list.map((s) => (s.id === id ? { ...s, ...patch } : s));
}

export const removeSession = (list: readonly Session[], id: string): Session[] =>
  list.filter((s) => s.id !== id);

export const sessionLabel = (s: { title: string } | undefined | null): string =>
  s?.title.trim() ? s.title.trim() : "New conversation";

/** A rename as typed: trimmed, 1-200 chars (the protocol's limit), or an error to show. */
export function checkName(input: string): { ok: true; name: string } | { ok: false; message: string } {
  const name = input.trim().replace(/\s+/g, " ");
  if (!name) return { ok: false, message: "A name cannot be empty." };
  if (name.length > 200) return { ok: false, message: "At most 200 characters." };
  return { ok: true, name };
}

/** Search snippets come from SQLite FTS with `[` `]` around matches (see src/history): split for <mark>. */
export function snippetParts(snippet: string): { text: string; hit: boolean }[] {
  const out: { text: string; hit: boolean }[] = [];
  const re = /\[([^\]]*)\]/g;
  let at = 0;
  for (let m = re.exec(snippet); m; m = re.exec(snippet)) {
    if (m.index > at) out.push({ text: snippet.slice(at, m.index), hit: false });
    out.push({ text: m[1] ?? "", hit: true });
    at = m.index + m[0].length;
  }
  if (at < snippet.length) out.push({ text: snippet.slice(at), hit: false });
  return out;
}

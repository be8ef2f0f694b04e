/** A page of this app named in a message, e.g. "Admin → Models (/admin/models)". */
const IN_APP_PATH = /\((\/[a-z0-9][a-z0-9/_-]*)\)/g;

/** Splits text into plain runs and in-app paths (the server names pages this way in its messages). */
export function linkedParts(text: string): ({ text: string } | { path: string })[] {
  const parts: ({ text: string } | { path: string })[] = [];
  let at = 0;
  for (const m of text.matchAll(IN_APP_PATH)) {
    const index = m.index ?? 0;
    if (index > at) parts.push({ text: text.slice(at, index) });
    parts.push({ path: m[1] as string });
    at = index + m[0].length;
  }
  if (at < text.length) parts.push({ text: text.slice(at) });
  return parts;
}

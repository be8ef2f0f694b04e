/**
 * A webhook's prompt template. Deliberately small (no logic, no loops):
 *
 * - `{{body}}`          the delivery's JSON body, pretty-printed
 * - `{{body.a.b}}`      one field (array items by index: `{{body.commits.0.message}}`); strings are
 *                       inserted as they are, anything else as JSON; a missing field is empty
 * - `{{event}}`         the event name header (`X-Octo-Event` or GitHub's `X-GitHub-Event`)
 *
 * Whatever the body holds is inserted as text, never interpreted as template syntax.
 */
export const MAX_RENDERED_CHARS = 200_000;

const PLACEHOLDER = /\{\{\s*(body(?:\.[A-Za-z0-9_-]+)*|event)\s*\}\}/g;

export function renderTemplate(template: string, body: unknown, event: string | null): string {
  const out = template.replace(PLACEHOLDER, (_m, path: string) => {
    if (path === "event") return event ?? "";
    const keys = path.split(".").slice(1);
    const value = keys.reduce<unknown>((at, key) => pick(at, key), body);
    if (value === undefined) return "";
    if (typeof value === "string") return value;
    return keys.length === 0 ? JSON.stringify(value, null, 2) : JSON.stringify(value);
  });
  return out.length > MAX_RENDERED_CHARS ? `${out.slice(0, MAX_RENDERED_CHARS)}\n[… cut]` : out;
}

function pick(at: unknown, key: string): unknown {
  if (Array.isArray(at)) return /^\d+$/.test(key) ? at[Number(key)] : undefined;
  if (at !== null && typeof at === "object" && Object.hasOwn(at, key))
    return (at as Record<string, unknown>)[key];
  return undefined;
}

/**
 * How a tool call reads in a card: a one-line summary from its arguments (the bash command, the file
 * path) and, for edits and writes, the change as diff lines. Arguments come from the model, so every
 * field is checked before use: a card never throws on odd input, it shows the JSON instead.
 */

export interface ToolSummary {
  /** What the card's header shows after the tool name. */
  subject: string;
  /** `bash`: the command (shown as `$ command`); others: a path. */
  kind: "command" | "path" | "json";
}

const str = (x: unknown): string | undefined => (typeof x === "string" ? x : undefined);
const obj = (x: unknown): Record<string, unknown> =>
  typeof x === "object" && x !== null && !Array.isArray(x) ? (x as Record<string, unknown>) : {};

export function toolSummary(name: string, args: unknown): ToolSummary {
  const a = obj(args);
  if (name === "bash") {
    const command = str(a.command);
    if (command !== undefined) return { subject: command, kind: "command" };
  }
  const path = str(a.path) ?? str(a.file_path) ?? str(a.file);
  if (path !== undefined) {
    const range = name === "read" && typeof a.offset === "number" ? `:${a.offset}` : "";
    return { subject: path + range, kind: "path" };
  }
  const pattern = str(a.pattern) ?? str(a.query);
  if (pattern !== undefined) return { subject: pattern, kind: "json" };
  return { subject: args === undefined ? "" : compactJson(args), kind: "json" };
}

export function compactJson(x: unknown, max = 160): string {
  let s: string;
  try {
    s = JSON.stringify(x) ?? "";
  } catch {
    s = String(x);
  }
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

export type DiffLine = { op: " " | "-" | "+"; text: string };

/** The replacements of an `edit` call (pi: `edits: [{oldText, newText}]`, older: top-level pair). */
export function editPairs(args: unknown): { oldText: string; newText: string }[] {
  const a = obj(args);
  const pairs: { oldText: string; newText: string }[] = [];
  const list = Array.isArray(a.edits) ? a.edits : [a];
  for (const e of list) {
    const o = obj(e);
    const oldText = str(o.oldText) ?? str(o.old_text) ?? str(o.old_string);
    const newText = str(o.newText) ?? str(o.new_text) ?? str(o.new_string);
    if (oldText !== undefined && newText !== undefined) pairs.push({ oldText, newText });
  }
  return pairs;
}

/** What a `write` call writes, as all-added lines. */
export function writeLines(args: unknown, maxLines = 400): DiffLine[] | null {
  const content = str(obj(args).content);
  if (content === undefined) return null;
  return splitLines(content)
    .slice(0, maxLines)
    .map((text) => ({ op: "+", text }));
}

const splitLines = (s: string) => (s.endsWith("\n") ? s.slice(0, -1) : s).split("\n");

/**
 * A line diff by longest common subsequence. Edits are small (a few dozen lines); past `maxCells`
 * of the LCS table it falls back to "all removed, then all added", which is still correct, just coarser.
 */
export function lineDiff(before: string, after: string, maxCells = 250_000): DiffLine[] {
  const a = splitLines(before);
  const b = splitLines(after);
  let pre = 0;
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++;
  let post = 0;
  while (post < a.length - pre && post < b.length - pre && a[a.length - 1 - post] === b[b.length - 1 - post])
    post++;
  const midA = a.slice(pre, a.length - post);
  const midB = b.slice(pre, b.length - post);
  const head: DiffLine[] = a.slice(0, pre).map((text) => ({ op: " ", text }));
  const tail: DiffLine[] = a.slice(a.length - post).map((text) => ({ op: " ", text }));
  if ((midA.length + 1) * (midB.length + 1) > maxCells) {
    return [
      ...head,
      ...midA.map((text) => ({ op: "-" as const, text })),
      ...midB.map((text) => ({ op: "+" as const, text })),
      ...tail,
    ];
  }
  const n = midA.length;
  const m = midB.length;
  // lcs[i][j]: LCS length of midA[i..] and midB[j..], in one flat array.
  const lcs = new Uint32Array((n + 1) * (m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * (m + 1) + j] =
        midA[i] === midB[j]
          ? (lcs[(i + 1) * (m + 1) + j + 1] ?? 0) + 1
          : Math.max(lcs[(i + 1) * (m + 1) + j] ?? 0, lcs[i * (m + 1) + j + 1] ?? 0);
    }
  }
  const mid: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && midA[i] === midB[j]) {
      mid.push({ op: " ", text: midA[i++] as string });
      j++;
    } else if (j < m && (i === n || (lcs[i * (m + 1) + j + 1] ?? 0) >= (lcs[(i + 1) * (m + 1) + j] ?? 0))) {
      mid.push({ op: "+", text: midB[j++] as string });
    } else {
      mid.push({ op: "-", text: midA[i++] as string });
    }
  }
  return [...head, ...mid, ...tail];
}

/** Keep unchanged lines only near changes, like a unified diff's context. */
export function withContext(lines: DiffLine[], context = 3): (DiffLine | { op: "…"; text: string })[] {
  const keep = new Uint8Array(lines.length);
  lines.forEach((l, i) => {
    if (l.op === " ") return;
    for (let k = Math.max(0, i - context); k <= Math.min(lines.length - 1, i + context); k++) keep[k] = 1;
  });
  const out: (DiffLine | { op: "…"; text: string })[] = [];
  let skipped = 0;
  lines.forEach((l, i) => {
    if (keep[i]) {
      if (skipped) out.push({ op: "…", text: `${skipped} unchanged line${skipped === 1 ? "" : "s"}` });
      skipped = 0;
      out.push(l);
    } else skipped++;
  });
  if (skipped) out.push({ op: "…", text: `${skipped} unchanged line${skipped === 1 ? "" : "s"}` });
  return out;
}

/** Long output shows its end (where errors are); the rest is one click away. */
export function tailOf(output: string, maxLines = 60): { text: string; hidden: number } {
  let at = output.length;
  let lines = 0;
  const end = output.endsWith("\n") ? output.length - 1 : output.length;
  for (at = end; at > 0; at--) {
    if (output.charCodeAt(at - 1) === 10 && ++lines >= maxLines) break;
  }
  if (at <= 0) return { text: output, hidden: 0 };
  let hidden = 0;
  for (let i = 0; i < at; i++) if (output.charCodeAt(i) === 10) hidden++;
  return { text: output.slice(at), hidden };
}

/**
 * A unified diff's lines (from `@@` on) as rows to render: unified (one column) or side by side
 * (removed lines on the left paired with added lines on the right). Pure: tested beside it.
 */

export type RowKind = "hunk" | "context" | "add" | "del" | "note";

export interface UnifiedRow {
  kind: RowKind;
  /** The line without its `+`/`-`/space prefix (the hunk header as is). */
  text: string;
  oldNo: number | null;
  newNo: number | null;
  /** Index of the hunk the row belongs to (its header row included). */
  hunk: number;
}

export interface SideCell {
  kind: RowKind;
  text: string;
  no: number | null;
  /** Index of the unified row this cell shows (its highlighted HTML is `rowsHtml(...)[row]`). */
  row: number;
}

export interface SideRow {
  hunk: number;
  header?: string;
  left: SideCell | null;
  right: SideCell | null;
}

const HUNK = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/;

/**
 * Rows from diff lines. `start` continues numbering from an earlier page (the last row's numbers and
 * hunk index), so a long diff can be paged without reparsing what came before.
 */
export function unifiedRows(
  lines: readonly string[],
  start: { oldNo: number; newNo: number; hunk: number } = { oldNo: 0, newNo: 0, hunk: -1 },
): UnifiedRow[] {
  let { oldNo, newNo, hunk } = start;
  const rows: UnifiedRow[] = [];
  for (const line of lines) {
    const m = HUNK.exec(line);
    if (m) {
      hunk++;
      oldNo = Number(m[1]);
      newNo = Number(m[2]);
      rows.push({ kind: "hunk", text: line, oldNo: null, newNo: null, hunk });
    } else if (line.startsWith("+")) {
      rows.push({ kind: "add", text: line.slice(1), oldNo: null, newNo: newNo++, hunk });
    } else if (line.startsWith("-")) {
      rows.push({ kind: "del", text: line.slice(1), oldNo: oldNo++, newNo: null, hunk });
    } else if (line.startsWith("\\")) {
      rows.push({ kind: "note", text: line, oldNo: null, newNo: null, hunk });
    } else {
      rows.push({ kind: "context", text: line.slice(1), oldNo: oldNo++, newNo: newNo++, hunk });
    }
  }
  return rows;
}

/** Where the next page's numbering starts, after these rows. */
export function continueFrom(rows: readonly UnifiedRow[], before = { oldNo: 0, newNo: 0, hunk: -1 }) {
  let { oldNo, newNo, hunk } = before;
  for (const r of rows) {
    hunk = r.hunk;
    if (r.kind === "hunk") {
      const m = HUNK.exec(r.text);
      oldNo = Number(m?.[1] ?? 0);
      newNo = Number(m?.[2] ?? 0);
    }
    if (r.oldNo !== null) oldNo = r.oldNo + 1;
    if (r.newNo !== null) newNo = r.newNo + 1;
  }
  return { oldNo, newNo, hunk };
}

/** Side by side: context on both sides; a run of deletions paired line by line with the additions after it. */
export function sideBySide(rows: readonly UnifiedRow[]): SideRow[] {
  const out: SideRow[] = [];
  let dels: (UnifiedRow & { i: number })[] = [];
  let adds: (UnifiedRow & { i: number })[] = [];
  const flush = () => {
    for (let i = 0; i < Math.max(dels.length, adds.length); i++) {
      const d = dels[i];
      const a = adds[i];
      out.push({
        hunk: (d ?? a)?.hunk ?? 0,
        left: d ? { kind: "del", text: d.text, no: d.oldNo, row: d.i } : null,
        right: a ? { kind: "add", text: a.text, no: a.newNo, row: a.i } : null,
      });
    }
    dels = [];
    adds = [];
  };
  for (const [i, r] of rows.entries()) {
    if (r.kind === "del") {
      if (adds.length) flush();
      dels.push({ ...r, i });
    } else if (r.kind === "add") adds.push({ ...r, i });
    else {
      flush();
      if (r.kind === "hunk") out.push({ hunk: r.hunk, header: r.text, left: null, right: null });
      else if (r.kind === "context")
        out.push({
          hunk: r.hunk,
          left: { kind: "context", text: r.text, no: r.oldNo, row: i },
          right: { kind: "context", text: r.text, no: r.newNo, row: i },
        });
      else out.push({ hunk: r.hunk, left: { kind: "note", text: r.text, no: null, row: i }, right: null });
    }
  }
  flush();
  return out;
}

export const STATUS_LABEL = { added: "A", modified: "M", deleted: "D", renamed: "R" } as const;

/**
 * Highlighted HTML cut into lines: a span open at a line break (a multi-line comment or string) is
 * closed at the end of that line and opened again on the next, so each line is well-formed.
 */
export function splitHighlighted(html: string): string[] {
  const out: string[] = [];
  const open: string[] = [];
  let line = "";
  for (const m of html.matchAll(/<span[^>]*>|<\/span>|\n|[^<\n]+|</g)) {
    const t = m[0];
    if (t === "\n") {
      out.push(line + "</span>".repeat(open.length));
      line = open.join("");
    } else {
      if (t.startsWith("<span")) open.push(t);
      else if (t === "</span>") open.pop();
      line += t;
    }
  }
  out.push(line + "</span>".repeat(open.length));
  return out;
}

/**
 * Each row's HTML from two highlighter calls (the old side's lines, the new side's), not one per
 * line: a thousand calls cost far more than two, and a grammar sees multi-line constructs whole.
 */
export function rowsHtml(
  rows: readonly UnifiedRow[],
  highlight: (code: string) => string,
  plain: (s: string) => string,
): string[] {
  const oldLines: string[] = [];
  const newLines: string[] = [];
  const at: { side: "old" | "new" | null; i: number }[] = rows.map((r) => {
    if (r.kind === "del") return { side: "old", i: oldLines.push(r.text) - 1 };
    if (r.kind === "add") return { side: "new", i: newLines.push(r.text) - 1 };
    if (r.kind === "context") {
      oldLines.push(r.text);
      return { side: "new", i: newLines.push(r.text) - 1 };
    }
    return { side: null, i: 0 };
  });
  const oldHtml = oldLines.length ? splitHighlighted(highlight(oldLines.join("\n"))) : [];
  const newHtml = newLines.length ? splitHighlighted(highlight(newLines.join("\n"))) : [];
  return rows.map((r, n) => {
    const a = at[n] as { side: "old" | "new" | null; i: number };
    if (a.side === "old") return oldHtml[a.i] ?? plain(r.text);
    if (a.side === "new") return newHtml[a.i] ?? plain(r.text);
    return plain(r.text);
  });
}

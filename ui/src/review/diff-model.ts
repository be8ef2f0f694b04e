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
  let dels: UnifiedRow[] = [];
  let adds: UnifiedRow[] = [];
  const flush = () => {
    for (let i = 0; i < Math.max(dels.length, adds.length); i++) {
      const d = dels[i];
      const a = adds[i];
      out.push({
        hunk: (d ?? a)?.hunk ?? 0,
        left: d ? { kind: "del", text: d.text, no: d.oldNo } : null,
        right: a ? { kind: "add", text: a.text, no: a.newNo } : null,
      });
    }
    dels = [];
    adds = [];
  };
  for (const r of rows) {
    if (r.kind === "del") {
      if (adds.length) flush();
      dels.push(r);
    } else if (r.kind === "add") adds.push(r);
    else {
      flush();
      if (r.kind === "hunk") out.push({ hunk: r.hunk, header: r.text, left: null, right: null });
      else if (r.kind === "context")
        out.push({
          hunk: r.hunk,
          left: { kind: "context", text: r.text, no: r.oldNo },
          right: { kind: "context", text: r.text, no: r.newNo },
        });
      else out.push({ hunk: r.hunk, left: { kind: "note", text: r.text, no: null }, right: null });
    }
  }
  flush();
  return out;
}

export const STATUS_LABEL = { added: "A", modified: "M", deleted: "D", renamed: "R" } as const;

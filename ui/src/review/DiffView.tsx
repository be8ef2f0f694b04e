import Undo2 from "lucide-solid/icons/undo-2";
import { createEffect, createMemo, createResource, createSignal, For, on, Show, untrack } from "solid-js";
import { escapeHtml, highlighterFor } from "../components/highlight.ts";
import { languageOf } from "../files/paths.ts";
import { continueFrom, rowsHtml, sideBySide, type UnifiedRow, unifiedRows } from "./diff-model.ts";
import { InlineConfirm } from "./InlineConfirm.tsx";
import { type ChangedFile, type ChangesSource, fileDiff } from "./review-api.ts";

/** Lines fetched per page: a long diff shows this much, then "Show more". */
export const DIFF_PAGE_LINES = 1500;
/** Rows rendered at once; the rest follow a chunk per animation frame, so the first screen is quick. */
const FIRST_ROWS = 80;
const CHUNK_ROWS = 300;
/** Rows highlighted together, when the first of them is rendered. */
const HIGHLIGHT_ROWS = 100;

/**
 * One file's diff, unified or side by side, highlighted line by line with the file's grammar, paged.
 * Each hunk offers to discard itself (the caller confirms and does it).
 */
export function DiffView(props: {
  source: ChangesSource;
  file: ChangedFile;
  mode: "unified" | "split";
  onDiscardHunk?: (index: number, header: string) => Promise<string | null>;
}) {
  const [rows, setRows] = createSignal<UnifiedRow[]>([]);
  const [next, setNext] = createSignal<number | null>(null);
  const [total, setTotal] = createSignal(0);
  const [binary, setBinary] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);
  const [loading, setLoading] = createSignal(false);
  const name = () => props.file.path.split("/").at(-1) ?? props.file.path;
  const [hl] = createResource(
    () => (props.file.kind === "link" ? "" : (languageOf(name()) ?? "")),
    (lang) => highlighterFor(lang || undefined),
  );

  /** Highlighted HTML by row index, filled a block at a time as rows are rendered (see `html`). */
  let lit: string[] = [];
  const load = async (offset: number) => {
    setLoading(true);
    const r = await fileDiff(props.source, props.file.path, offset, DIFF_PAGE_LINES);
    setLoading(false);
    if (!r.ok) return setError(r.error.message);
    setError(null);
    setBinary(r.value.binary);
    setTotal(r.value.total_lines);
    setNext(r.value.next_offset);
    const before = offset === 0 ? [] : rows();
    if (offset === 0) {
      setLimit(FIRST_ROWS);
      lit = [];
    }
    setRows([...before, ...unifiedRows(r.value.lines, offset === 0 ? undefined : continueFrom(before))]);
    const grow = () => {
      if (limit() >= rows().length) return;
      setLimit((n) => n + CHUNK_ROWS);
      requestAnimationFrame(grow);
    };
    requestAnimationFrame(grow);
  };
  const [limit, setLimit] = createSignal(FIRST_ROWS);
  const shown = createMemo(() => rows().slice(0, limit()));
  createEffect(on([() => props.file.path, () => props.source], () => void load(0)));

  // Highlighting is lazy: a row is highlighted when it is first rendered, together with the rest of
  // its block of HIGHLIGHT_ROWS rows (one highlighter call per side per block), not the whole page
  // before the first row shows. A multi-line comment or string that crosses a block boundary is
  // coloured from the boundary on as if it started there.
  // `lit` is a plain array so filling it re-renders nothing; `relit` re-renders the rows once the
  // grammar arrives.
  const [relit, setRelit] = createSignal(0);
  createEffect(
    on(
      hl,
      () => {
        lit = [];
        setRelit((v) => v + 1);
      },
      { defer: true },
    ),
  );
  const html = (i: number) => {
    relit();
    return untrack(() => {
      const all = rows();
      if (lit[i] === undefined && i < all.length) {
        const from = i - (i % HIGHLIGHT_ROWS);
        const block = rowsHtml(all.slice(from, from + HIGHLIGHT_ROWS), hl() ?? escapeHtml, escapeHtml);
        for (const [k, h] of block.entries()) lit[from + k] = h;
      }
      return lit[i] ?? escapeHtml(all[i]?.text ?? "");
    });
  };
  // Pairs are built once per page and sliced, so each chunk appends rows instead of rebuilding them all.
  const pairs = createMemo(() => (props.mode === "split" ? sideBySide(rows()) : []));
  const split = createMemo(() => pairs().slice(0, limit()));
  const headerOf = (hunk: number) => rows().find((r) => r.kind === "hunk" && r.hunk === hunk)?.text ?? "";
  const canDiscardHunks = () =>
    props.onDiscardHunk && !binary() && props.file.status !== "renamed" && props.file.kind !== "link";

  const hunkHead = (hunk: number, text: string) => (
    <div class="diff-hunk">
      <span class="mono small">{text}</span>
      <span class="spacer" />
      <Show when={canDiscardHunks()}>
        <InlineConfirm
          label={
            <>
              <Undo2 size={14} aria-hidden="true" /> Discard
            </>
          }
          ariaLabel={`Discard this change (hunk ${hunk + 1})`}
          question="Discard this change?"
          confirmLabel="Discard"
          onConfirm={() => props.onDiscardHunk?.(hunk, headerOf(hunk))}
        />
      </Show>
    </div>
  );

  return (
    <div class="diff" data-mode={props.mode} aria-busy={loading()}>
      <Show when={error()}>{(m) => <div class="note error">{m()}</div>}</Show>
      <Show when={binary()}>
        <p class="muted small">Binary file: no line diff.</p>
      </Show>
      <Show when={!binary() && rows().length === 0 && !loading() && !error()}>
        <p class="muted small">
          {props.file.status === "renamed" ? "Renamed, content unchanged." : "No line changes."}
        </p>
      </Show>
      <Show
        when={props.mode === "split"}
        fallback={
          <div class="diff-table">
            <For each={shown()}>
              {(r, i) =>
                r.kind === "hunk" ? (
                  hunkHead(r.hunk, r.text)
                ) : (
                  <div class={`diff-line ${r.kind}`}>
                    <span class="ln">{r.oldNo ?? ""}</span>
                    <span class="ln">{r.newNo ?? ""}</span>
                    <span class="sign" aria-hidden="true">
                      {r.kind === "add" ? "+" : r.kind === "del" ? "−" : " "}
                    </span>
                    <code innerHTML={html(i())} />
                  </div>
                )
              }
            </For>
          </div>
        }
      >
        <div class="diff-table split">
          <For each={split()}>
            {(r) =>
              r.header !== undefined ? (
                hunkHead(r.hunk, r.header)
              ) : (
                <div class="diff-pair">
                  <span class={`ln ${r.left?.kind ?? "empty"}`}>{r.left?.no ?? ""}</span>
                  <code class={r.left?.kind ?? "empty"} innerHTML={r.left ? html(r.left.row) : ""} />
                  <span class={`ln ${r.right?.kind ?? "empty"}`}>{r.right?.no ?? ""}</span>
                  <code class={r.right?.kind ?? "empty"} innerHTML={r.right ? html(r.right.row) : ""} />
                </div>
              )
            }
          </For>
        </div>
      </Show>
      <Show when={next()}>
        {(n) => (
          <div class="row diff-more">
            <span class="muted small">
              Showing {n()} of {total()} lines.
            </span>
            <button type="button" class="btn small" disabled={loading()} onClick={() => void load(n())}>
              Show more
            </button>
          </div>
        )}
      </Show>
    </div>
  );
}

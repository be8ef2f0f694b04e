import Undo2 from "lucide-solid/icons/undo-2";
import {
  batch,
  createEffect,
  createMemo,
  createResource,
  createSignal,
  For,
  on,
  onCleanup,
  onMount,
  Show,
  untrack,
} from "solid-js";
import { escapeHtml, highlighterFor } from "../components/highlight.ts";
import { languageOf } from "../files/paths.ts";
import { continueFrom, rowsHtml, sideBySide, type UnifiedRow, unifiedRows } from "./diff-model.ts";
import { InlineConfirm } from "./InlineConfirm.tsx";
import { type ChangedFile, type ChangesSource, fileDiff } from "./review-api.ts";
import { RowHeights, visibleRange } from "./row-heights.ts";
import "./diff-view.css";

/** Diff lines fetched first; later pages are bigger, fetched as the view nears the end of what it has. */
export const DIFF_PAGE_LINES = 1500;
const NEXT_PAGE_LINES = 5000;
/** Rows highlighted together, when the first of them is rendered. */
const HIGHLIGHT_ROWS = 100;
/** Pixels rendered above and below the visible part of the diff. */
const OVERSCAN_PX = 600;
/** The next page is fetched when the rendered rows come this close to the end of what is loaded. */
const PREFETCH_ROWS = 200;
/** A row someone clicked or focused stays rendered (its confirm question, its focus) until this far away. */
const PIN_ROWS = 300;
/** Heights a row is taken to have until one of its kind is measured (0.8rem × 1.45; a hunk header). */
const LINE_PX = 18.5;
const HUNK_PX = 30;

/**
 * One file's diff, unified or side by side, highlighted with the file's grammar, paged, and
 * windowed: only the rows in and near view are in the DOM (positioned by their measured heights, so
 * wrapped lines scroll right), however long the diff. Each hunk offers to discard itself (the caller
 * confirms and does it).
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
  /** Bumped when the diff is loaded afresh: rows at the same index are different rows then. */
  const [generation, setGeneration] = createSignal(0);
  const name = () => props.file.path.split("/").at(-1) ?? props.file.path;
  const [hl] = createResource(
    () => (props.file.kind === "link" ? "" : (languageOf(name()) ?? "")),
    (lang) => highlighterFor(lang || undefined),
  );

  /** Highlighted HTML by row index, filled a block at a time as rows are rendered (see `html`). */
  let lit: string[] = [];
  /** Diff lines loaded so far: a page is appended only at this offset, and once. */
  let loaded = 0;
  /** The latest load; `busy` while it is under way (no next page is asked for meanwhile). */
  let seq = 0;
  let busy = false;
  const load = async (offset: number) => {
    if (offset !== 0 && (offset !== loaded || busy)) return;
    const ticket = ++seq;
    busy = true;
    setLoading(true);
    const r = await fileDiff(
      props.source,
      props.file.path,
      offset,
      offset === 0 ? DIFF_PAGE_LINES : NEXT_PAGE_LINES,
    );
    // A fresh load started since this one (another file, another turn) wins.
    if (ticket !== seq) return;
    busy = false;
    batch(() => {
      setLoading(false);
      if (!r.ok) return setError(r.error.message);
      const page = r.value;
      setError(null);
      setBinary(page.binary);
      setTotal(page.total_lines);
      setNext(page.next_offset);
      const before = offset === 0 ? [] : rows();
      if (offset === 0) {
        lit = [];
        setGeneration((g) => g + 1);
      }
      loaded = offset + page.lines.length;
      setRows([...before, ...unifiedRows(page.lines, offset === 0 ? undefined : continueFrom(before))]);
    });
  };
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
  // Pairs are built once per page, not per render.
  const pairs = createMemo(() => (props.mode === "split" ? sideBySide(rows()) : []));
  const headerOf = (hunk: number) => rows().find((r) => r.kind === "hunk" && r.hunk === hunk)?.text ?? "";
  const canDiscardHunks = () =>
    props.onDiscardHunk && !binary() && props.file.status !== "renamed" && props.file.kind !== "link";

  // ---- Windowing ---------------------------------------------------------------------------------
  // The table is as tall as every row's height (measured once rendered, estimated before); the
  // rendered rows sit in normal flow inside a box moved down to the first of them, so a row's real
  // height (a wrapped line) pushes the rows after it down at once, and a ResizeObserver records it.
  let scroller!: HTMLDivElement;
  let table: HTMLDivElement | undefined;
  let win: HTMLDivElement | undefined;
  const isHunk = (i: number) =>
    props.mode === "split" ? untrack(pairs)[i]?.header !== undefined : untrack(rows)[i]?.kind === "hunk";
  const count = () => (props.mode === "split" ? pairs().length : rows().length);
  const est = { line: LINE_PX, hunk: HUNK_PX, lineSeen: false, hunkSeen: false };
  const estimate = (i: number) => (isHunk(i) ? est.hunk : est.line);
  const heights = createMemo(
    on([() => props.mode, generation], () => {
      est.lineSeen = est.hunkSeen = false;
      return new RowHeights(estimate);
    }),
  );
  /** Bumped when a measured height changed what is where. */
  const [measured, setMeasured] = createSignal(0);
  const [view, setView] = createSignal({
    top: 0,
    height: typeof window === "undefined" ? 600 : window.innerHeight,
    width: 0,
  });
  const [pinned, setPinned] = createSignal<number | null>(null);
  const fullHeight = createMemo(() => {
    const h = heights();
    h.resize(count());
    measured();
    return h.total;
  });
  const range = createMemo(
    () => {
      fullHeight();
      const { top, height } = view();
      return visibleRange(heights(), top, top + height, OVERSCAN_PX);
    },
    { start: 0, end: 0 },
    { equals: (a, b) => a.start === b.start && a.end === b.end },
  );
  /** Indices of the rows to render: the window, stretched to keep a pinned row. */
  const indices = createMemo(() => {
    let { start, end } = range();
    const p = pinned();
    if (p !== null && p < count()) {
      if (p < start && start - p <= PIN_ROWS) start = p;
      if (p >= end && p - end < PIN_ROWS) end = p + 1;
    }
    return Array.from({ length: end - start }, (_, k) => start + k);
  });
  const windowTop = () => {
    measured();
    fullHeight();
    return heights().offsetOf(indices()[0] ?? 0);
  };
  /** Unified lines do not wrap: the table is as wide as the longest, not just the rendered ones. */
  const widestLine = createMemo(() => {
    if (props.mode === "split") return 0;
    let w = 0;
    for (const r of rows()) if (r.kind !== "hunk" && r.text.length > w) w = r.text.length;
    return w;
  });

  const readView = () => {
    if (!scroller) return;
    const t = table?.offsetTop ?? 0;
    setView({
      top: Math.max(0, scroller.scrollTop - t),
      height: scroller.clientHeight || window.innerHeight,
      width: scroller.clientWidth,
    });
  };
  let refreshQueued = false;
  const refresh = () => {
    if (refreshQueued) return;
    refreshQueued = true;
    requestAnimationFrame(() => {
      refreshQueued = false;
      readView();
      setMeasured((n) => n + 1);
    });
  };
  const ro =
    typeof ResizeObserver === "undefined"
      ? null
      : new ResizeObserver((entries) => {
          const h = untrack(heights);
          const top = untrack(view).top;
          const anchor = h.indexAt(top);
          const anchorBefore = h.offsetOf(anchor);
          let changed = false;
          for (const e of entries) {
            const el = e.target as HTMLElement;
            if (!el.isConnected) continue;
            const i = Number(el.dataset.i);
            const px = e.borderBoxSize?.[0]?.blockSize ?? el.offsetHeight;
            if (!(px > 0)) continue;
            // The first header and the shortest line measured set the estimate for the rest,
            // exactly: rows that are as estimated then change nothing when measured.
            if (isHunk(i) ? !est.hunkSeen : !est.lineSeen || px < est.line - 0.5) {
              if (isHunk(i)) {
                est.hunkSeen = true;
                est.hunk = px;
              } else {
                est.lineSeen = true;
                est.line = px;
              }
              h.reestimate(estimate);
              changed = true;
            }
            if (h.set(i, px) !== 0) changed = true;
          }
          if (!changed) return;
          // Keep what is on screen where it is: rows above it that changed height move the scroll
          // position by as much (before this frame is painted), and the rendered box to its new top.
          const shift = h.offsetOf(anchor) - anchorBefore;
          if (shift !== 0 && top > 0) scroller.scrollTop += shift;
          const first = untrack(indices)[0];
          if (win && first !== undefined) win.style.transform = `translateY(${h.offsetOf(first)}px)`;
          refresh();
        });
  const observe = (el: HTMLElement) => {
    ro?.observe(el);
    onCleanup(() => ro?.unobserve(el));
  };
  onMount(() => {
    const onResize = () => readView();
    window.addEventListener("resize", onResize);
    onCleanup(() => window.removeEventListener("resize", onResize));
    readView();
  });
  onCleanup(() => ro?.disconnect());
  // Fetch the next page as the rendered rows near the end of what is loaded.
  createEffect(() => {
    const n = next();
    if (n !== null && !loading() && range().end >= count() - PREFETCH_ROWS) void load(n);
  });
  // Back to the top when the diff is loaded afresh or the layout changes.
  createEffect(
    on(
      [() => props.mode, generation],
      () => {
        if (scroller) scroller.scrollTop = 0;
        readView();
      },
      { defer: true },
    ),
  );
  const pin = (e: Event) => {
    const row = (e.target as HTMLElement).closest<HTMLElement>("[data-i]");
    if (row) setPinned(Number(row.dataset.i));
  };
  createEffect(
    on(range, ({ start, end }) => {
      const p = untrack(pinned);
      if (p !== null && (p < start - PIN_ROWS || p >= end + PIN_ROWS)) setPinned(null);
    }),
  );

  const hunkHead = (n: number, hunk: number, text: string) => (
    <div class="diff-hunk" data-i={n} ref={observe}>
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
  const unifiedRow = (n: number) => {
    const r = untrack(rows)[n];
    if (!r) return null;
    return r.kind === "hunk" ? (
      hunkHead(n, r.hunk, r.text)
    ) : (
      <div class={`diff-line ${r.kind}`} data-i={n} ref={observe}>
        <span class="ln">{r.oldNo ?? ""}</span>
        <span class="ln">{r.newNo ?? ""}</span>
        <span class="sign" aria-hidden="true">
          {r.kind === "add" ? "+" : r.kind === "del" ? "−" : " "}
        </span>
        <code innerHTML={html(n)} />
      </div>
    );
  };
  const splitRow = (n: number) => {
    const r = untrack(pairs)[n];
    if (!r) return null;
    return r.header !== undefined ? (
      hunkHead(n, r.hunk, r.header)
    ) : (
      <div class="diff-pair" data-i={n} ref={observe}>
        <span class={`ln ${r.left?.kind ?? "empty"}`}>{r.left?.no ?? ""}</span>
        <code class={r.left?.kind ?? "empty"} innerHTML={r.left ? html(r.left.row) : ""} />
        <span class={`ln ${r.right?.kind ?? "empty"}`}>{r.right?.no ?? ""}</span>
        <code class={r.right?.kind ?? "empty"} innerHTML={r.right ? html(r.right.row) : ""} />
      </div>
    );
  };

  return (
    <div class="diff" ref={scroller} data-mode={props.mode} aria-busy={loading()} onScroll={readView}>
      <Show when={error()}>{(m) => <div class="note error">{m()}</div>}</Show>
      <Show when={binary()}>
        <p class="muted small">Binary file: no line diff.</p>
      </Show>
      <Show when={!binary() && rows().length === 0 && !loading() && !error()}>
        <p class="muted small">
          {props.file.status === "renamed" ? "Renamed, content unchanged." : "No line changes."}
        </p>
      </Show>
      <Show when={count() > 0}>
        <div
          ref={table}
          class={props.mode === "split" ? "diff-table split" : "diff-table"}
          style={{
            height: `${fullHeight()}px`,
            "min-width": widestLine() ? `calc(${widestLine()}ch + 8rem)` : undefined,
            // A hunk's header stays as wide as the view (its "Discard" in sight) when lines are wider.
            "--diff-view-width": view().width ? `${view().width}px` : undefined,
          }}
          onFocusIn={pin}
          onPointerDown={pin}
        >
          <div class="diff-window" ref={win} style={{ transform: `translateY(${windowTop()}px)` }}>
            <Show keyed when={`${props.mode}#${generation()}`}>
              <For each={indices()}>{(n) => (props.mode === "split" ? splitRow(n) : unifiedRow(n))}</For>
            </Show>
          </div>
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

import ArrowDown from "lucide-solid/icons/arrow-down";
import { createEffect, createMemo, createSignal, For, on, onCleanup, onMount, Show } from "solid-js";
import { currentUser } from "../auth/auth-session.ts";
import type { ChatState } from "./chat-state.ts";
import { liveEntries, settledEntries, toolResults, toolView } from "./chat-timeline.ts";
import {
  afterScroll,
  align,
  growDown,
  growUp,
  INTENT_MS,
  type TimelineWindow,
  tailWindow,
} from "./chat-window.ts";
import { PendingMessage, SettledMessage, StreamingMessage } from "./Message.tsx";

/**
 * The conversation, windowed: only a slice of the finished messages is in the DOM (it follows the end
 * while the reader is there, and grows a page at a time when they scroll up), rows off screen skip
 * layout (`content-visibility`), and a streaming token re-renders only the streaming message.
 */
export function Timeline(props: {
  state: ChatState;
  /** Where "used N memories" links go (the Memory tab of this project). */
  projectId?: string;
  onRetry: (clientId: string) => void;
  onDiscard: (clientId: string) => void;
  onFork?: (messageId: string) => void;
  /** Restore the project's files to before a user message. */
  onRestore?: (messageId: string) => void;
  /** Send the last prompt again; offered on the last message when it is a failed reply. */
  onRetryTurn?: () => void;
  empty?: import("solid-js").JSX.Element;
  /** A message to open at (a notification's): shown once it is loaded, and marked. */
  anchor?: string;
  /** Load the page before the oldest loaded message (`state.olderBefore`); resolves when it is in. */
  onLoadOlder?: () => Promise<void>;
}) {
  let scroller!: HTMLDivElement;
  let top!: HTMLDivElement;
  let bottom!: HTMLDivElement;
  let rows!: HTMLDivElement;
  const messages = createMemo(() => props.state.messages);
  const settled = createMemo(() => settledEntries(messages()));
  const results = createMemo(() => toolResults(messages()));
  // In a shared project: a user message someone else sent is named (decision 0030).
  const otherAuthor = (clientId: string | undefined) => {
    const a = clientId ? props.state.authors[clientId] : undefined;
    return a && a.username !== currentUser()?.username ? a.username : undefined;
  };
  const tools = createMemo(() => props.state.tools);
  const live = createMemo(() => liveEntries(props.state));
  const streaming = createMemo(() => {
    const e = live()[0];
    return e?.type === "streaming" ? e : null;
  });
  const pending = createMemo(() => props.state.pending);

  // The window is kept as indexes into the list it was set on (its first key and length): read
  // through `align`, so rows prepended (an older page) or appended (live) move or grow it at once,
  // in the same update that renders them.
  type Stamped = TimelineWindow & { first: string | undefined; total: number };
  const stamp = (w: TimelineWindow, list = settled()): Stamped => ({
    ...w,
    first: list[0]?.key,
    total: list.length,
  });
  const [raw, setRaw] = createSignal(stamp(tailWindow(settled().length)));
  const win = createMemo(() => align(raw(), settled()));
  const setWin = (next: TimelineWindow | ((w: TimelineWindow) => TimelineWindow)) =>
    setRaw(stamp(typeof next === "function" ? next(win()) : next));
  const visible = createMemo(() => settled().slice(win().start, win().end));
  const tool = (id: string) => toolView(tools(), results(), id);

  // Follow the end until the reader scrolls up by their own hand (wheel, touch, keys, scrollbar);
  // "Latest", sending a message or scrolling back down to the end follows it again.
  const [pinned, setPinned] = createSignal(true);
  const following = () => pinned() && win().end >= settled().length;
  let inputAt = Number.NEGATIVE_INFINITY;
  let holding = false;
  let lastTop = 0;
  /** Scroll by our own hand: not the reader's move, so `lastTop` follows it. */
  const scrollTo = (y: number) => {
    scroller.scrollTop = y;
    lastTop = scroller.scrollTop;
  };
  const stick = () => {
    if (following()) scrollTo(scroller.scrollHeight);
  };

  // Not following the end, the row the reader looks at stays where it is on screen while rows above
  // it come, go or settle to their real height (an older page put in at the top, rows estimated at
  // 120 px laid out): the scroller moves by as much before the frame is painted. The row's distance
  // from the view's top changes only by the scroller's own moves (the reader's, or the top of the
  // scroller); the browser's scroll anchoring is off here (it does not act at the very top, and would
  // correct twice). A layout that moved the row but not the scroller shows as a difference and is undone.
  let held: HTMLElement | null = null;
  let heldY = 0;
  const viewTop = () => scroller.getBoundingClientRect().top;
  /** Its content is rendered (not skipped by `content-visibility` at its estimated size). */
  const laidOut = (row: HTMLElement) => {
    const inner = row.firstElementChild as (HTMLElement & { checkVisibility?: unknown }) | null;
    if (!inner || typeof inner.checkVisibility !== "function") return true;
    return inner.checkVisibility({ contentVisibilityAuto: true });
  };
  /** Count the scroller's moves since last seen into the held row's expected place. */
  const track = () => {
    const y = scroller.scrollTop;
    heldY += lastTop - y;
    lastTop = y;
  };
  const hold = () => {
    track();
    if (following() || !held?.isConnected) return;
    const d = held.getBoundingClientRect().top - viewTop() - heldY;
    if (Math.abs(d) >= 0.5) scrollTo(scroller.scrollTop + d);
    // Clamped at the top or the end: the row did move, and that is where it is now.
    heldY = held.getBoundingClientRect().top - viewTop();
  };
  /**
   * Hold the first row whose end is in view from now on (rows are in order: a binary search). A row
   * just scrolled into view may still be skipped at its 120 px estimate: it will grow downwards, so
   * the row held before (already laid out, its place tracked) stays held until the next scroll.
   */
  const pick = () => {
    if (following()) {
      held = null;
      return;
    }
    const list = rows.querySelectorAll<HTMLElement>(".msg[data-msg-id]");
    const t = viewTop();
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((list[mid] as HTMLElement).getBoundingClientRect().bottom > t + 1) hi = mid;
      else lo = mid + 1;
    }
    const row = list[lo];
    if (row && held?.isConnected && !laidOut(row)) return;
    held = row ?? null;
    if (held) heldY = held.getBoundingClientRect().top - t;
  };
  const onInput = () => {
    inputAt = performance.now();
  };
  const onScroll = () => {
    // A hidden tab has no layout: its zero-sized scroll says nothing about the reader.
    if (scroller.clientHeight === 0) return;
    if (holding) onInput();
    const top = scroller.scrollTop;
    const next = afterScroll({
      gap: scroller.scrollHeight - top - scroller.clientHeight,
      movedUp: top < lastTop,
      byReader: performance.now() - inputAt < INTENT_MS,
      windowAtEnd: win().end >= settled().length,
    });
    if (next === "pin") setPinned(true);
    else if (next === "unpin") setPinned(false);
    else stick();
    // Rows above that settled since the last frame are undone first, then the row now at the top is held.
    hold();
    pick();
  };
  const toEnd = () => {
    setWin(tailWindow(settled().length));
    setPinned(true);
    stick();
  };
  // Sending a message shows it, wherever the reader was.
  createEffect(
    on(
      () => pending().length,
      (n, before) => n > (before ?? 0) && toEnd(),
      { defer: true },
    ),
  );
  createEffect(on([visible, streaming, () => props.state.working], stick));

  // Opened from a notification: bring its message into the window and into view, once.
  let anchored = false;
  createEffect(() => {
    const id = props.anchor;
    if (!id || anchored) return;
    const i = settled().findIndex((e) => e.message.id === id);
    if (i < 0) {
      // Not loaded yet: bring older pages until it is (or the first message is).
      if (props.state.olderBefore !== null) loadOlder();
      return;
    }
    anchored = true;
    setPinned(false);
    const total = settled().length;
    setWin((w) =>
      i >= w.start && i < w.end ? w : { start: Math.max(0, i - 5), end: Math.min(total, i + 60) },
    );
    queueMicrotask(() => {
      const el = rows.querySelector<HTMLElement>(`[data-msg-id="${CSS.escape(id)}"]`);
      el?.setAttribute("data-anchored", "");
      el?.scrollIntoView({ block: "start" });
    });
  });

  let io: IntersectionObserver | undefined;
  // Unpinned, the top sentinel may already be in range: observe it afresh so it reports now.
  createEffect(
    on(
      pinned,
      (p) => {
        if (p || !io) return;
        io.unobserve(top);
        io.observe(top);
      },
      { defer: true },
    ),
  );

  // An earlier page goes in above what the reader sees, which must not move (see `hold`).
  const growTop = () => {
    if (win().start === 0) {
      if (props.state.olderBefore !== null) loadOlder();
      return;
    }
    hold();
    if (!held?.isConnected) pick();
    setWin((w) => growUp(w));
    hold();
  };

  // The top of what is loaded: fetch the page before it. It goes in above the rows on screen without
  // moving them (the window shifts with it), then shows as the reader's window grows up.
  let loadingOlder = false;
  const loadOlder = () => {
    if (loadingOlder || !props.onLoadOlder) return;
    loadingOlder = true;
    void props.onLoadOlder().finally(() => {
      loadingOlder = false;
      if (!scroller.isConnected) return;
      growTop();
      // The top sentinel may still be in range: have it report afresh.
      io?.unobserve(top);
      io?.observe(top);
    });
  };

  onMount(() => {
    stick();
    io = new IntersectionObserver(
      (entries) => {
        for (const e of entries) {
          if (!e.isIntersecting) continue;
          // While following the end the top is near only because the rows are not laid out yet.
          if (e.target === top && !following()) growTop();
          else if (e.target === bottom) setWin((w) => growDown(w, settled().length));
        }
      },
      { root: scroller, rootMargin: "600px 0px" },
    );
    io.observe(top);
    io.observe(bottom);
    // Rows settle to their real height after they are rendered, and the view changes size with the
    // composer, the keyboard and the tab being shown: each time, a pinned view goes back to the end.
    const ro = new ResizeObserver(() => {
      stick();
      hold();
    });
    ro.observe(rows);
    ro.observe(scroller);
    const release = () => {
      holding = false;
    };
    window.addEventListener("pointerup", release);
    window.addEventListener("pointercancel", release);
    onCleanup(() => {
      io?.disconnect();
      ro.disconnect();
      window.removeEventListener("pointerup", release);
      window.removeEventListener("pointercancel", release);
    });
  });

  return (
    <div class="timeline-wrap">
      <div
        class="timeline"
        ref={scroller}
        onScroll={onScroll}
        onWheel={onInput}
        onKeyDown={onInput}
        onTouchStart={() => {
          holding = true;
          onInput();
        }}
        onTouchEnd={() => {
          holding = false;
          onInput();
        }}
        onPointerDown={() => {
          holding = true;
          onInput();
        }}
        role="log"
        aria-label="Conversation"
        aria-live="off"
      >
        <div ref={rows} class="timeline-rows">
          <div ref={top} class="sentinel" aria-hidden="true" />
          <Show when={win().start > 0 || props.state.olderBefore !== null}>
            <p class="muted small center">Earlier messages load as you scroll up…</p>
          </Show>
          <Show when={settled().length === 0 && !streaming() && pending().length === 0}>{props.empty}</Show>
          <For each={visible()}>
            {(entry) => (
              <SettledMessage
                entry={entry}
                tool={tool}
                projectId={props.projectId}
                usedMemories={
                  entry.type === "user" && entry.message.client_id
                    ? props.state.usedMemories[entry.message.client_id]
                    : undefined
                }
                author={otherAuthor(entry.type === "user" ? entry.message.client_id : undefined)}
                onFork={props.onFork}
                onRestore={props.onRestore}
                onRetryTurn={
                  settled().at(-1) === entry && !streaming() && pending().length === 0
                    ? props.onRetryTurn
                    : undefined
                }
              />
            )}
          </For>
          <div ref={bottom} class="sentinel" aria-hidden="true" />
          <Show when={win().end >= settled().length}>
            <Show when={streaming()}>{(s) => <StreamingMessage role={s().role} parts={s().parts} />}</Show>
            <For each={pending()}>
              {(p) => (
                <PendingMessage
                  send={p}
                  onRetry={() => props.onRetry(p.client_id)}
                  onDiscard={() => props.onDiscard(p.client_id)}
                />
              )}
            </For>
          </Show>
        </div>
      </div>
      <Show when={!following()}>
        <button type="button" class="btn small jump" onClick={toEnd}>
          <ArrowDown size={14} aria-hidden="true" /> Latest
        </button>
      </Show>
    </div>
  );
}

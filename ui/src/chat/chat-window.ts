/**
 * Which slice of a long timeline is in the DOM. The window follows the end while the reader is at
 * the bottom; scrolling up grows it at the top one page at a time, and it never holds more than `max`
 * entries, dropping rows at the far end (a returning reader grows it back). Entries are keyed, so the
 * window is a pair of indexes into the current list.
 *
 * Following the end is a state of its own ("pinned"), not read back from the scroll position: while
 * history replays or tokens stream, rows are laid out late (`content-visibility`) and the distance to
 * the end jumps around without the reader doing anything.
 */

export interface TimelineWindow {
  start: number;
  end: number;
}
export const PAGE = 60;
export const MAX_WINDOW = 240;

/** The last page of a list of `total` entries. */
export const tailWindow = (total: number, page = PAGE): TimelineWindow => ({
  start: Math.max(0, total - page),
  end: total,
});

/** The list changed length: a window that reached the end keeps reaching it; others stay put. */
export function resize(w: TimelineWindow, before: number, total: number, max = MAX_WINDOW): TimelineWindow {
  if (w.end >= before) {
    const start = Math.max(w.start, total - max, 0);
    return { start: Math.min(start, total), end: total };
  }
  return { start: Math.min(w.start, total), end: Math.min(w.end, total) };
}

/**
 * A window set on an earlier list (whose first entry had key `first` and which had `total` entries),
 * for the list as it is now: entries put before `first` (an older page) shift it, entries appended
 * resize it as `resize` does. A list whose old first entry is gone is taken as unchanged at the top.
 */
export function align(
  w: TimelineWindow & { first: string | undefined; total: number },
  list: readonly { key: string }[],
  max = MAX_WINDOW,
): TimelineWindow {
  let d = 0;
  if (w.first !== undefined && list[0]?.key !== w.first)
    d = Math.max(
      0,
      list.findIndex((e) => e.key === w.first),
    );
  const shifted = { start: w.start + d, end: w.end + d };
  if (d === 0 && list.length === w.total) return { start: w.start, end: w.end };
  return resize(shifted, w.total + d, list.length, max);
}

/** The reader reached the top of the window: show an earlier page, drop rows past `max` at the end. */
export function growUp(w: TimelineWindow, page = PAGE, max = MAX_WINDOW): TimelineWindow {
  if (w.start === 0) return w;
  const start = Math.max(0, w.start - page);
  return { start, end: Math.min(w.end, start + max) };
}

/** The reader reached the bottom of a window that does not reach the end. */
export function growDown(w: TimelineWindow, total: number, page = PAGE, max = MAX_WINDOW): TimelineWindow {
  if (w.end >= total) return w;
  const end = Math.min(total, w.end + page);
  return { start: Math.max(w.start, end - max), end };
}

export const atEnd = (w: TimelineWindow, total: number) => w.end >= total;

/** How close to the end of the scroller still counts as "at the end" (px). */
export const END_SLACK = 48;
/** How long after the reader's own input (wheel, touch, key, scrollbar) a scroll counts as theirs (ms). */
export const INTENT_MS = 1000;

/**
 * What a scroll event means for following the end. Reaching the end of a window that reaches the end
 * of the list pins the view there; only the reader moving up by their own hand unpins it. Any other
 * scroll (rows laid out at their real height, scroll anchoring, a list that grew) keeps the current
 * state, and a pinned view is then put back at the end.
 */
export function afterScroll(s: {
  gap: number;
  movedUp: boolean;
  byReader: boolean;
  windowAtEnd: boolean;
}): "pin" | "unpin" | "keep" {
  if (s.gap < END_SLACK && s.windowAtEnd) return "pin";
  if (s.movedUp && s.byReader) return "unpin";
  return "keep";
}

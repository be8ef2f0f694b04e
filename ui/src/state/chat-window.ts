/**
 * Which slice of a long timeline is in the DOM. The window follows the end while the reader is at
 * the bottom; scrolling up grows it at the top one page at a time, and it never holds more than `max`
 * entries, dropping rows at the far end (a returning reader grows it back). Entries are keyed, so the
 * window is a pair of indexes into the current list.
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

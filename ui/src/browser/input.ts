import type { BrowserControl } from "../../../src/protocol/browser.ts";

type Frame = { width: number; height: number } | null;

const BUTTONS = ["left", "middle", "right"] as const;

/** Ctrl/Alt/Meta/Shift as CDP's modifier bits (Alt 1, Ctrl 2, Meta 4, Shift 8). */
const modifiers = (e: KeyboardEvent | MouseEvent) =>
  (e.altKey ? 1 : 0) | (e.ctrlKey ? 2 : 0) | (e.metaKey ? 4 : 0) | (e.shiftKey ? 8 : 0);

/** The page's CSS pixel under the pointer: the picture is scaled to the panel's width. */
export function pagePoint(
  e: { clientX: number; clientY: number },
  box: { left: number; top: number; width: number; height: number },
  frame: { width: number; height: number },
): { x: number; y: number } {
  const x = ((e.clientX - box.left) / Math.max(1, box.width)) * frame.width;
  const y = ((e.clientY - box.top) / Math.max(1, box.height)) * frame.height;
  return { x: Math.round(Math.max(0, x)), y: Math.round(Math.max(0, y)) };
}

/** What a key press types (CDP needs the text for printable keys and Enter). */
export function keyText(key: string): string {
  if (key === "Enter") return "\r";
  return key.length === 1 ? key : "";
}

/**
 * The person's mouse, touch (pointer events), wheel, keys and paste on the picture, as CDP input.
 * Pointer moves are sent at most once per animation frame.
 */
export function inputHandlers(send: (input: BrowserControl) => void, frame: () => Frame) {
  let pendingMove: PointerEvent | null = null;
  const point = (e: { clientX: number; clientY: number; currentTarget: EventTarget | null }) => {
    const img = (e.currentTarget as HTMLElement).querySelector("img");
    const f = frame();
    if (!img || !f) return null;
    return pagePoint(e, img.getBoundingClientRect(), f);
  };
  const mouse = (kind: "mousePressed" | "mouseReleased" | "mouseMoved", e: PointerEvent, at = point(e)) => {
    if (!at) return;
    send({
      type: "mouse",
      kind,
      ...at,
      button: kind === "mouseMoved" ? "none" : (BUTTONS[e.button] ?? "left"),
      click_count: kind === "mouseMoved" ? 0 : Math.max(1, e.detail || 1),
      delta_x: 0,
      delta_y: 0,
      modifiers: modifiers(e),
    });
  };
  return {
    pointer: (kind: "mousePressed" | "mouseReleased" | "mouseMoved") => (e: PointerEvent) => {
      if (kind !== "mouseMoved") {
        // The point first, and a focus that does not scroll: a picture partly out of view would
        // otherwise scroll under the pointer and the press would land elsewhere on the page.
        const at = point(e);
        (e.currentTarget as HTMLElement).focus({ preventScroll: true });
        mouse(kind, e, at);
        return;
      }
      if (!pendingMove) {
        const at = point(e);
        requestAnimationFrame(() => {
          if (pendingMove) mouse("mouseMoved", pendingMove, at);
          pendingMove = null;
        });
      }
      pendingMove = e;
    },
    wheel: (e: WheelEvent) => {
      const at = point(e);
      if (!at) return;
      e.preventDefault();
      send({
        type: "mouse",
        kind: "mouseWheel",
        ...at,
        button: "none",
        click_count: 0,
        delta_x: Math.round(e.deltaX),
        delta_y: Math.round(e.deltaY),
        modifiers: modifiers(e),
      });
    },
    key: (kind: "keyDown" | "keyUp") => (e: KeyboardEvent) => {
      // Paste is its own event (the clipboard's text); everything else goes to the page.
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "v") return;
      e.preventDefault();
      send({
        type: "key",
        kind,
        key: e.key.slice(0, 32),
        code: e.code.slice(0, 32),
        text: kind === "keyDown" && !e.ctrlKey && !e.metaKey ? keyText(e.key) : "",
        modifiers: modifiers(e),
      });
    },
    paste: (e: ClipboardEvent) => {
      const text = e.clipboardData?.getData("text/plain");
      if (!text) return;
      e.preventDefault();
      send({ type: "text", text: text.slice(0, 64 * 1024) });
    },
  };
}

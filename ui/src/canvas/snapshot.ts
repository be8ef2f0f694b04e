import {
  CANVAS_SNAPSHOT_MESSAGE,
  SNAPSHOT_MAX_CHARS,
  SNAPSHOT_MAX_HEIGHT,
  SNAPSHOT_MAX_WIDTH,
} from "../../../src/protocol/canvas.ts";
import { snapshotElement } from "../../../src/protocol/snapshot.ts";

/** How long an HTML artifact gets to hand over its picture. */
export const FRAME_SNAPSHOT_TIMEOUT_MS = 10_000;

export type Snapshot = { ok: true; png: string } | { ok: false; message: string };

const PNG_DATA_URL = /^data:image\/png;base64,[A-Za-z0-9+/]+={0,2}$/;

/** The first opaque background behind `el` (the picture gets it where the page is transparent). */
function backgroundBehind(el: Element): string {
  for (let at: Element | null = el; at; at = at.parentElement) {
    const c = getComputedStyle(at).backgroundColor;
    if (c && c !== "transparent" && c !== "rgba(0, 0, 0, 0)") return c;
  }
  return "#ffffff";
}

/** Rendered Markdown (in the app's own page) as a PNG data URL. */
export async function snapshotRendered(el: Element): Promise<Snapshot> {
  try {
    const png = await snapshotElement(el, {
      maxWidth: SNAPSHOT_MAX_WIDTH,
      maxHeight: SNAPSHOT_MAX_HEIGHT,
      maxChars: SNAPSHOT_MAX_CHARS,
      background: backgroundBehind(el),
    });
    return { ok: true, png };
  } catch (e) {
    return { ok: false, message: `The page could not be turned into a picture: ${(e as Error).message}` };
  }
}

/** Whether a data URL decodes as an image of a sane size. */
function decodes(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const img = new Image();
    img.onload = () =>
      resolve(
        img.naturalWidth > 0 &&
          img.naturalHeight > 0 &&
          img.naturalWidth <= SNAPSHOT_MAX_WIDTH &&
          img.naturalHeight <= SNAPSHOT_MAX_HEIGHT,
      );
    img.onerror = () => resolve(false);
    img.src = url;
  });
}

/**
 * Asks an HTML artifact's sandboxed frame for a picture of itself (the app cannot read an
 * opaque-origin frame; a script octo serves with the artifact answers, decision 0031). Only an
 * answer from that frame's window carrying this request's random token counts, and only a PNG data
 * URL of bounded length that decodes as an image of bounded size; anything else, or silence past
 * the timeout, is a clear failure. The answer is never put into the page but as an image's source.
 */
export function snapshotFrame(
  frame: HTMLIFrameElement,
  timeoutMs = FRAME_SNAPSHOT_TIMEOUT_MS,
): Promise<Snapshot> {
  const target = frame.contentWindow;
  if (!target) return Promise.resolve({ ok: false, message: "The artifact is not loaded yet." });
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  const token = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return new Promise((resolve) => {
    let done = false;
    const finish = (s: Snapshot) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      window.removeEventListener("message", heard);
      resolve(s);
    };
    const junk = (): Snapshot => ({
      ok: false,
      message: "The artifact answered with something that is not a picture, so it cannot be annotated.",
    });
    const heard = (e: MessageEvent) => {
      if (e.source !== target) return;
      const d = e.data as { type?: unknown; token?: unknown; png?: unknown; error?: unknown } | null;
      if (!d || typeof d !== "object" || d.type !== CANVAS_SNAPSHOT_MESSAGE || d.token !== token) return;
      if (typeof d.error === "string")
        return finish({
          ok: false,
          message: `The artifact could not draw itself: ${d.error.slice(0, 200)}`,
        });
      const png = d.png;
      if (typeof png !== "string" || png.length > SNAPSHOT_MAX_CHARS || !PNG_DATA_URL.test(png))
        return finish(junk());
      void decodes(png).then((fine) => finish(fine ? { ok: true, png } : junk()));
    };
    const timer = setTimeout(
      () =>
        finish({
          ok: false,
          message: `The artifact did not hand over a picture of itself within ${Math.round(timeoutMs / 1000)} seconds, so it cannot be annotated.`,
        }),
      timeoutMs,
    );
    window.addEventListener("message", heard);
    target.postMessage({ type: CANVAS_SNAPSHOT_MESSAGE, token }, "*");
  });
}

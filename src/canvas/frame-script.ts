import {
  CANVAS_SNAPSHOT_MESSAGE,
  SNAPSHOT_MAX_CHARS,
  SNAPSHOT_MAX_HEIGHT,
  SNAPSHOT_MAX_WIDTH,
} from "../protocol/canvas.ts";
import { snapshotElement } from "../protocol/snapshot.ts";

/**
 * The script octo puts at the top of every HTML artifact it serves (decision 0031), so that the
 * Canvas tab can annotate it: the tab cannot read the opaque-origin frame, so the frame draws itself.
 * It answers only a message from its parent window of the right shape, echoing the parent's per-open
 * token; it runs before the artifact's own scripts and keeps its own references. The artifact can
 * still post anything itself — the tab trusts nothing in the answer but a bounded PNG data URL that
 * decodes as an image. The artifact's CSP already allows inline scripts ('unsafe-inline'; a nonce or
 * hash would switch that off for the artifact's own scripts), so this needs no change to it.
 */
function listen(snap: typeof snapshotElement, type: string, limits: number[]) {
  const parentWindow = window.parent;
  if (parentWindow === window) return;
  const [maxWidth = 0, maxHeight = 0, maxChars = 0] = limits;
  let busy = false;
  window.addEventListener("message", (e) => {
    if (e.source !== parentWindow || busy) return;
    const d = e.data as { type?: unknown; token?: unknown } | null;
    if (!d || typeof d !== "object" || d.type !== type) return;
    const token = d.token;
    if (typeof token !== "string" || !/^[a-f0-9]{32}$/.test(token)) return;
    busy = true;
    const reply = (m: { png: string } | { error: string }) =>
      parentWindow.postMessage({ type, token, ...m }, "*");
    const root = document.body ?? document.documentElement;
    const pick = (el: Element | null) => (el ? getComputedStyle(el).backgroundColor : "");
    const seen = [pick(document.body), pick(document.documentElement)].find(
      (c) => c && c !== "transparent" && c !== "rgba(0, 0, 0, 0)",
    );
    snap(root, { maxWidth, maxHeight, maxChars, background: seen ?? "#ffffff" })
      .then(
        (png) => reply({ png }),
        (err: unknown) => reply({ error: String((err as Error)?.message ?? err).slice(0, 200) }),
      )
      .finally(() => {
        busy = false;
      });
  });
}

let cached: string | null = null;

/** The `<script>` element, as HTML text. */
export function frameScript(): string {
  cached ??=
    `<script>(${listen.toString()})(${snapshotElement.toString()}, ${JSON.stringify(CANVAS_SNAPSHOT_MESSAGE)}, ` +
    `${JSON.stringify([SNAPSHOT_MAX_WIDTH, SNAPSHOT_MAX_HEIGHT, SNAPSHOT_MAX_CHARS])});</script>`.replace(
      /<\/script(?=[\s\S]+<\/script>$)/gi,
      "<\\/script",
    );
  return cached;
}

/** The artifact's HTML with the script in front of it: after a leading doctype, or at the start. */
export function withFrameScript(html: Uint8Array): Uint8Array {
  const text = new TextDecoder().decode(html);
  const doctype = /^\uFEFF?\s*(<!--[\s\S]*?-->\s*)*<!doctype[^>]*>/i.exec(text);
  const at = doctype ? doctype[0].length : 0;
  return new TextEncoder().encode(text.slice(0, at) + frameScript() + text.slice(at));
}

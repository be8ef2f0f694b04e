import { createEffect, createSignal } from "solid-js";
import {
  CHAT_MARKDOWN,
  highlightCode,
  loadClickedImage,
  loadMarkdown,
  markdownNow,
  type RenderMarkdown,
} from "../components/markdown.ts";

/** Rendered HTML of finished texts, so scrolling a long session back into view does not parse again. */
const cache = new Map<string, string>();
const CACHE_MAX = 600;

function rendered(render: RenderMarkdown, text: string, streaming: boolean): string {
  if (streaming) return render(text);
  let html = cache.get(text);
  if (html === undefined) {
    html = render(text);
    if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value as string);
    cache.set(text, html);
  }
  return html;
}

/**
 * A message's markdown, sanitized with the chat's rules (images from other sites wait for a click);
 * plain text until the renderer has loaded; code highlighted once final.
 */
export function ChatMarkdown(props: { text: string; streaming?: boolean }) {
  let el!: HTMLDivElement;
  const [render, setRender] = createSignal<RenderMarkdown | null>(markdownNow(CHAT_MARKDOWN));
  if (!render()) void loadMarkdown(CHAT_MARKDOWN).then((r) => setRender(() => r));
  createEffect(() => {
    const r = render();
    const text = props.text;
    const streaming = !!props.streaming;
    if (!r) {
      el.textContent = text;
      return;
    }
    el.innerHTML = rendered(r, text, streaming);
    if (!streaming) void highlightCode(el);
  });
  // The placeholders inside are buttons (keyboard included): this only delegates their clicks.
  const ref = (div: HTMLDivElement) => {
    el = div;
    div.addEventListener("click", loadClickedImage);
  };
  return <div class="md" ref={ref} />;
}

import { createEffect, createSignal } from "solid-js";
import { highlightCode, loadMarkdown, markdownNow, type Render } from "./markdown.ts";

/** Rendered HTML of finished texts, so scrolling a long session back into view does not parse again. */
const cache = new Map<string, string>();
const CACHE_MAX = 600;

function rendered(render: Render, text: string, streaming: boolean): string {
  if (streaming) return render(text);
  let html = cache.get(text);
  if (html === undefined) {
    html = render(text);
    if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value as string);
    cache.set(text, html);
  }
  return html;
}

/** Sanitized markdown; plain text until the renderer has loaded; code highlighted once final. */
export function Markdown(props: { text: string; streaming?: boolean }) {
  let el!: HTMLDivElement;
  const [render, setRender] = createSignal<Render | null>(markdownNow());
  if (!render()) void loadMarkdown().then((r) => setRender(() => r));
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
  return <div class="md" ref={el} />;
}

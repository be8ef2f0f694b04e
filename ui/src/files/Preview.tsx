import { createMemo, createResource, onCleanup, Show } from "solid-js";
import { FILE_MARKDOWN, loadMarkdown } from "../components/markdown.ts";

/** Rendered, sanitized markdown. Links open in a new tab, never in the app's own window. */
export function MarkdownPreview(props: { text: string }) {
  const [render] = createResource(() => loadMarkdown(FILE_MARKDOWN));
  const html = createMemo(() => {
    const r = render();
    return r ? r(props.text) : "";
  });
  const onClick = (e: MouseEvent) => {
    const a = (e.target as HTMLElement).closest("a");
    if (!a?.href) return;
    e.preventDefault();
    window.open(a.href, "_blank", "noopener,noreferrer");
  };
  return (
    <Show when={render()} fallback={<p class="muted">Rendering…</p>}>
      {/* biome-ignore lint/a11y/useKeyWithClickEvents: links inside stay keyboard-reachable; this only redirects them */}
      <article class="markdown-body" innerHTML={html()} onClick={onClick} />
    </Show>
  );
}

/** An image from base64 bytes, shown through a blob URL (the server never serves user files inline). */
export function ImagePreview(props: { base64: string; type: string; name: string }) {
  const url = createMemo(() => {
    const bytes = Uint8Array.from(atob(props.base64), (c) => c.charCodeAt(0));
    const u = URL.createObjectURL(new Blob([bytes], { type: props.type }));
    onCleanup(() => URL.revokeObjectURL(u));
    return u;
  });
  return (
    <div class="image-preview">
      <img src={url()} alt={props.name} />
    </div>
  );
}

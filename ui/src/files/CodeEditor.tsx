import { createEffect, createResource, createSignal, on, onCleanup } from "solid-js";
import { escapeHtml, highlighterFor } from "../components/highlight.ts";

/**
 * A plain textarea laid exactly over its highlighted copy (same font, same grid cell): the browser
 * does the editing — selection, IME, undo, mobile keyboards — and highlight.js only paints.
 */
export function CodeEditor(props: {
  value: string;
  onInput?: (value: string) => void;
  language?: string;
  readOnly?: boolean;
  label: string;
  onSave?: () => void;
}) {
  const [highlight] = createResource(
    () => props.language ?? "",
    (lang) => highlighterFor(lang || undefined),
  );
  const [html, setHtml] = createSignal("");
  let frame = 0;
  // Repaint at most once per frame while typing.
  createEffect(
    on([() => props.value, highlight], ([value, hl]) => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => setHtml((hl ?? escapeHtml)(value)));
    }),
  );
  onCleanup(() => cancelAnimationFrame(frame));

  const onKeyDown = (e: KeyboardEvent) => {
    if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "s") {
      e.preventDefault();
      props.onSave?.();
    }
  };

  return (
    <div class="code-scroll">
      <div class="code-grid">
        {/* The trailing newline keeps the last (empty) line as tall as the textarea's. */}
        <pre
          class="code-layer hljs"
          aria-hidden="true"
          innerHTML={`${html() || escapeHtml(props.value)}\n`}
        />
        <textarea
          class="code-layer code-input"
          aria-label={props.label}
          value={props.value}
          readOnly={props.readOnly}
          spellcheck={false}
          autocapitalize="off"
          autocomplete="off"
          wrap="off"
          onInput={(e) => props.onInput?.(e.currentTarget.value)}
          onKeyDown={onKeyDown}
        />
      </div>
    </div>
  );
}

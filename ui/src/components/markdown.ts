import type { Config, default as createDOMPurify } from "dompurify";
import type { Marked } from "marked";
import { escapeHtml, highlighterFor } from "./highlight.ts";

/**
 * Markdown to safe HTML: the one renderer, for agent messages and for file previews. `marked` renders,
 * DOMPurify removes anything that could run, then the sanitized fragment gets the preset's rules:
 * every link `rel="noopener noreferrer"`, and `target="_blank"` when it leaves octo; in chat, an image
 * from another site becomes a click-to-load placeholder, so showing a reply never calls out (its URL
 * could carry whatever the agent read). Each renderer has its own DOMPurify instance and no hooks, so
 * rendering one kind of markdown can never change the other. `marked` and DOMPurify load on first use.
 */

export interface MarkdownOptions {
  /** A single newline is a line break (chat), or joins the lines of a paragraph (documents). */
  readonly breaks: boolean;
  /** Removed on top of what DOMPurify removes anyway. */
  readonly forbidTags: readonly string[];
  readonly forbidAttrs: readonly string[];
  /** "ask": images not from `data:`, `blob:` or this origin wait for a click. */
  readonly externalImages: "load" | "ask";
}

/** Agent and system messages: no forms or styles, and nothing fetched from other sites unasked. */
export const CHAT_MARKDOWN: MarkdownOptions = Object.freeze({
  breaks: true,
  // Media elements, srcset and CSS (`url(…)`) could fetch from anywhere: images are the one way in.
  forbidTags: ["style", "form", "input", "button", "audio", "video", "source", "picture", "track"],
  forbidAttrs: ["style", "srcset", "background", "poster"],
  externalImages: "ask",
});

/** A markdown file of the project, as a document (task-list checkboxes and badges included). */
export const FILE_MARKDOWN: MarkdownOptions = Object.freeze({
  breaks: false,
  forbidTags: [],
  forbidAttrs: [],
  externalImages: "load",
});

export type RenderMarkdown = (md: string) => string;

export interface MarkdownEngines {
  Marked: typeof Marked;
  createDOMPurify: typeof createDOMPurify;
  /** The page's window, or a test's DOM: sanitizing needs a real HTML parser. */
  window: Window & typeof globalThis;
}

export function createMarkdownRenderer(options: MarkdownOptions, engines: MarkdownEngines): RenderMarkdown {
  const marked = new engines.Marked({ gfm: true, breaks: options.breaks, async: false });
  const purify = engines.createDOMPurify(engines.window);
  const doc = engines.window.document;
  const origin = engines.window.location.origin;
  const config: Config & { RETURN_DOM_FRAGMENT: true } = {
    USE_PROFILES: { html: true },
    FORBID_TAGS: [...options.forbidTags],
    FORBID_ATTR: [...options.forbidAttrs],
    RETURN_DOM_FRAGMENT: true,
  };
  return (md) => {
    const fragment = purify.sanitize(marked.parse(md) as string, config);
    for (const a of fragment.querySelectorAll("a[href]")) {
      a.setAttribute("rel", "noopener noreferrer");
      if (leavesOcto(a.getAttribute("href") ?? "", origin)) a.setAttribute("target", "_blank");
    }
    if (options.externalImages === "ask") {
      for (const img of fragment.querySelectorAll("img[src]")) {
        const src = img.getAttribute("src") ?? "";
        if (!loadsUnasked(src, origin)) img.replaceWith(imagePlaceholder(doc, src, img.getAttribute("alt")));
      }
    }
    const box = doc.createElement("div");
    box.append(fragment);
    return box.innerHTML;
  };
}

const parse = (url: string, origin: string): URL | null => {
  try {
    return new URL(url, origin);
  } catch {
    return null;
  }
};

/** An http(s) link to another origin (relative links, `#anchors` and `mailto:` stay as they are). */
function leavesOcto(href: string, origin: string): boolean {
  const u = parse(href, origin);
  return u !== null && (u.protocol === "http:" || u.protocol === "https:") && u.origin !== origin;
}

function loadsUnasked(src: string, origin: string): boolean {
  const u = parse(src, origin);
  return u !== null && (u.protocol === "data:" || u.protocol === "blob:" || u.origin === origin);
}

/** Built after sanitizing, from text only: the URL is shown, never fetched, until the reader clicks. */
function imagePlaceholder(doc: Document, src: string, alt: string | null): HTMLElement {
  const button = doc.createElement("button");
  button.type = "button";
  button.className = "md-image-blocked";
  button.dataset.src = src;
  if (alt) button.dataset.alt = alt;
  button.title = "Load this image from its site";
  const label = doc.createElement("span");
  label.className = "md-image-blocked-label";
  label.textContent = `Image${alt ? ` “${alt}”` : ""} from another site, not loaded. Click to load:`;
  const url = doc.createElement("span");
  url.className = "md-image-blocked-url";
  url.textContent = src;
  button.append(label, url);
  return button;
}

/**
 * Click handler for rendered chat markdown: a clicked placeholder becomes its image, which the browser
 * then loads straight from that site (octo proxies nothing). Chat markdown cannot contain buttons of
 * its own (`forbidTags`), so every placeholder here is one the renderer built.
 */
export function loadClickedImage(e: MouseEvent): void {
  const button = (e.target as Element | null)?.closest?.("button.md-image-blocked");
  if (!(button instanceof HTMLButtonElement) || !button.dataset.src) return;
  const img = document.createElement("img");
  img.src = button.dataset.src;
  img.alt = button.dataset.alt ?? "";
  button.replaceWith(img);
}

// ---------------------------------------------------------------- loading on first use

const loading = new Map<MarkdownOptions, Promise<RenderMarkdown>>();
const ready = new Map<MarkdownOptions, RenderMarkdown>();

/** The renderer for a preset, once `marked` and DOMPurify have loaded (null before). */
export const markdownNow = (options: MarkdownOptions): RenderMarkdown | null => ready.get(options) ?? null;

export function loadMarkdown(options: MarkdownOptions): Promise<RenderMarkdown> {
  let p = loading.get(options);
  if (!p) {
    p = Promise.all([import("marked"), import("dompurify")]).then(([{ Marked }, purify]) => {
      const render = createMarkdownRenderer(options, { Marked, createDOMPurify: purify.default, window });
      ready.set(options, render);
      return render;
    });
    loading.set(options, p);
  }
  return p;
}

// ---------------------------------------------------------------- code fences

/** Names people put on fences, mapped to the grammars `highlight.ts` knows. */
const ALIASES: Record<string, string> = {
  ts: "typescript",
  tsx: "typescript",
  js: "javascript",
  jsx: "javascript",
  py: "python",
  sh: "bash",
  shell: "bash",
  zsh: "bash",
  console: "bash",
  rs: "rust",
  html: "xml",
  svg: "xml",
  yml: "yaml",
  toml: "ini",
  "c++": "cpp",
};
const MAX_HIGHLIGHT_CHARS = 100_000;

/** Highlight the fenced code blocks inside `root` that name a known language (each grammar on demand). */
export async function highlightCode(root: HTMLElement): Promise<void> {
  for (const code of root.querySelectorAll<HTMLElement>("pre > code[class*='language-']")) {
    if (code.dataset.hl) continue;
    const lang = /language-([\w+-]+)/.exec(code.className)?.[1]?.toLowerCase();
    const text = code.textContent ?? "";
    if (!lang || text.length > MAX_HIGHLIGHT_CHARS) continue;
    const highlight = await highlighterFor(ALIASES[lang] ?? lang);
    if (highlight === escapeHtml || !code.isConnected || code.textContent !== text) continue;
    // hljs escapes its input: the result holds only its own spans around escaped text.
    code.innerHTML = highlight(text);
    code.dataset.hl = "1";
    code.classList.add("hljs");
  }
}

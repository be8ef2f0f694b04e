import { escapeHtml, highlighterFor } from "../files/highlight.ts";

/**
 * Markdown for chat messages: `marked` renders, DOMPurify removes anything that could run, links open
 * in a new tab without an opener. Both load on first use (the chat shows plain text until then), and
 * code blocks are highlighted once their message has finished streaming, each grammar on demand
 * (the same loader as the file editor's, `files/highlight.ts`).
 */
export type Render = (md: string) => string;
let loading: Promise<Render> | null = null;
let ready: Render | null = null;

export const markdownNow = (): Render | null => ready;

export function loadMarkdown(): Promise<Render> {
  loading ??= Promise.all([import("marked"), import("dompurify")]).then(([{ Marked }, purify]) => {
    const marked = new Marked({ gfm: true, breaks: true, async: false });
    const DOMPurify = purify.default;
    DOMPurify.addHook("afterSanitizeAttributes", (node) => {
      if (node.tagName === "A") {
        node.setAttribute("target", "_blank");
        node.setAttribute("rel", "noopener noreferrer");
      }
    });
    ready = (md: string) =>
      DOMPurify.sanitize(marked.parse(md) as string, {
        USE_PROFILES: { html: true },
        FORBID_TAGS: ["style", "form", "input", "button"],
      });
    return ready;
  });
  return loading;
}

/** Names people put on fences, mapped to the grammars `files/highlight.ts` knows. */
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

/** Highlight the fenced code blocks inside `root` that name a known language. */
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

import type { HLJSApi, LanguageFn } from "highlight.js";

/**
 * Markdown for chat messages: `marked` renders, DOMPurify removes anything that could run, links open
 * in a new tab without an opener. Both load on first use (the chat shows plain text until then), and
 * code blocks are highlighted once their message has finished streaming, each grammar on demand.
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

type Loader = () => Promise<{ default: LanguageFn }>;
const GRAMMARS: Record<string, Loader> = {
  typescript: () => import("highlight.js/lib/languages/typescript"),
  javascript: () => import("highlight.js/lib/languages/javascript"),
  json: () => import("highlight.js/lib/languages/json"),
  python: () => import("highlight.js/lib/languages/python"),
  bash: () => import("highlight.js/lib/languages/bash"),
  rust: () => import("highlight.js/lib/languages/rust"),
  go: () => import("highlight.js/lib/languages/go"),
  css: () => import("highlight.js/lib/languages/css"),
  xml: () => import("highlight.js/lib/languages/xml"),
  yaml: () => import("highlight.js/lib/languages/yaml"),
  sql: () => import("highlight.js/lib/languages/sql"),
  diff: () => import("highlight.js/lib/languages/diff"),
  c: () => import("highlight.js/lib/languages/c"),
  cpp: () => import("highlight.js/lib/languages/cpp"),
  java: () => import("highlight.js/lib/languages/java"),
  ini: () => import("highlight.js/lib/languages/ini"),
};
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

let core: Promise<HLJSApi> | null = null;
const grammars = new Map<string, Promise<boolean>>();

async function highlighter(lang: string): Promise<HLJSApi | null> {
  const name = ALIASES[lang] ?? lang;
  const grammar = GRAMMARS[name];
  if (!grammar) return null;
  core ??= import("highlight.js/lib/core").then((m) => m.default);
  const hljs = await core;
  let loaded = grammars.get(name);
  if (!loaded) {
    loaded = grammar().then(
      (m) => {
        hljs.registerLanguage(name, m.default);
        return true;
      },
      () => false,
    );
    grammars.set(name, loaded);
  }
  return (await loaded) ? hljs : null;
}

/** Highlight the fenced code blocks inside `root` that name a known language. */
export async function highlightCode(root: HTMLElement): Promise<void> {
  for (const code of root.querySelectorAll<HTMLElement>("pre > code[class*='language-']")) {
    if (code.dataset.hl) continue;
    const lang = /language-([\w+-]+)/.exec(code.className)?.[1]?.toLowerCase();
    const text = code.textContent ?? "";
    if (!lang || text.length > MAX_HIGHLIGHT_CHARS) continue;
    const hljs = await highlighter(lang);
    if (!hljs || !code.isConnected || code.textContent !== text) continue;
    // hljs escapes its input: the result holds only its own spans around escaped text.
    code.innerHTML = hljs.highlight(text, { language: ALIASES[lang] ?? lang, ignoreIllegals: true }).value;
    code.dataset.hl = "1";
    code.classList.add("hljs");
  }
}

import type { HLJSApi, LanguageFn } from "highlight.js";

/**
 * Syntax highlighting with highlight.js's core and only the grammars a file needs, loaded on
 * demand: opening a TypeScript file fetches the core (~20 KB gzip) and one grammar, nothing else.
 */
type Loader = () => Promise<{ default: LanguageFn }>;
const GRAMMARS: Record<string, Loader> = {
  typescript: () => import("highlight.js/lib/languages/typescript"),
  javascript: () => import("highlight.js/lib/languages/javascript"),
  json: () => import("highlight.js/lib/languages/json"),
  markdown: () => import("highlight.js/lib/languages/markdown"),
  python: () => import("highlight.js/lib/languages/python"),
  rust: () => import("highlight.js/lib/languages/rust"),
  go: () => import("highlight.js/lib/languages/go"),
  bash: () => import("highlight.js/lib/languages/bash"),
  css: () => import("highlight.js/lib/languages/css"),
  scss: () => import("highlight.js/lib/languages/scss"),
  xml: () => import("highlight.js/lib/languages/xml"),
  ini: () => import("highlight.js/lib/languages/ini"),
  yaml: () => import("highlight.js/lib/languages/yaml"),
  sql: () => import("highlight.js/lib/languages/sql"),
  c: () => import("highlight.js/lib/languages/c"),
  cpp: () => import("highlight.js/lib/languages/cpp"),
  java: () => import("highlight.js/lib/languages/java"),
  kotlin: () => import("highlight.js/lib/languages/kotlin"),
  ruby: () => import("highlight.js/lib/languages/ruby"),
  php: () => import("highlight.js/lib/languages/php"),
  diff: () => import("highlight.js/lib/languages/diff"),
  dockerfile: () => import("highlight.js/lib/languages/dockerfile"),
  makefile: () => import("highlight.js/lib/languages/makefile"),
};

/** Beyond this, text is shown plain: highlighting on every keystroke would make typing lag. */
export const HIGHLIGHT_MAX_CHARS = 200_000;

let core: Promise<HLJSApi> | null = null;
const loaded = new Map<string, Promise<boolean>>();

export type Highlighter = (code: string) => string;

export const escapeHtml = (s: string): string =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** A function turning code into highlighted HTML (escaped), once the grammar has loaded. */
export async function highlighterFor(language: string | undefined): Promise<Highlighter> {
  const grammar = language ? GRAMMARS[language] : undefined;
  if (!language || !grammar) return escapeHtml;
  core ??= import("highlight.js/lib/core").then((m) => m.default);
  const hljs = await core;
  let ready = loaded.get(language);
  if (!ready) {
    ready = grammar().then(
      (m) => {
        hljs.registerLanguage(language, m.default);
        return true;
      },
      () => false,
    );
    loaded.set(language, ready);
  }
  if (!(await ready)) return escapeHtml;
  return (code) =>
    code.length > HIGHLIGHT_MAX_CHARS
      ? escapeHtml(code)
      : hljs.highlight(code, { language, ignoreIllegals: true }).value;
}

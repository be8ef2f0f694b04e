import { Readability } from "@mozilla/readability";
import { parseHTML } from "linkedom";
import TurndownService from "turndown";

export interface Readable {
  title: string;
  markdown: string;
}

/** Elements that never carry what a reader wants, removed before anything else looks at the page. */
const NOISE = "script, style, noscript, template, iframe, svg, canvas, form, button, nav, footer, aside";

/**
 * A page's main content as Markdown: Readability picks the article (dropping navigation, footers,
 * sidebars, scripts), Turndown writes it as Markdown with its links kept. A page Readability finds
 * no article in (a short page, an index) falls back to its whole body, minus the noise above.
 */
export function htmlToMarkdown(html: string, url: string): Readable {
  const { document } = parseHTML(html);
  const base = document.createElement("base");
  base.setAttribute("href", url);
  document.head?.prepend(base);
  absolutizeLinks(document, url);
  const title = (document.querySelector("title")?.textContent ?? "").trim();
  // Readability changes the document it reads: give it its own copy.
  const article = new Readability(parseHTML(document.toString()).document as unknown as Document, {
    charThreshold: 200,
  }).parse();
  let content = article?.content ?? "";
  if (!content || (article?.textContent ?? "").trim().length < 50) {
    for (const el of document.querySelectorAll(NOISE)) el.remove();
    content = document.body?.innerHTML ?? html;
  }
  const turndown = new TurndownService({
    headingStyle: "atx",
    codeBlockStyle: "fenced",
    bulletListMarker: "-",
  });
  turndown.remove(["script", "style", "noscript"]);
  const markdown = turndown
    .turndown(content)
    .replace(/\n{3,}/g, "\n\n")
    .trim();
  return { title: article?.title?.trim() || title, markdown };
}

/** Relative links and images would mean nothing to a reader of the Markdown: make them absolute. */
function absolutizeLinks(document: ReturnType<typeof parseHTML>["document"], url: string): void {
  for (const [selector, attr] of [
    ["a[href]", "href"],
    ["img[src]", "src"],
  ] as const) {
    for (const el of document.querySelectorAll(selector)) {
      const value = el.getAttribute(attr);
      if (!value || value.startsWith("#") || value.startsWith("javascript:")) continue;
      try {
        el.setAttribute(attr, new URL(value, url).href);
      } catch {
        // leave a malformed link as it was
      }
    }
  }
}

import type { SearchAnswer } from "../../../src/protocol/tools.ts";
import type { Page } from "./fetch.ts";

/** Plain text a model reads well: what was asked, then numbered results with their URLs. */
export function formatSearch(answer: SearchAnswer): string {
  if (answer.results.length === 0) return `No results for "${answer.query}".\n`;
  const lines = [`Results for "${answer.query}" (${answer.results.length}):`, ""];
  answer.results.forEach((r, i) => {
    lines.push(`${i + 1}. ${r.title || r.url}`, `   ${r.url}`);
    if (r.snippet) lines.push(`   ${r.snippet.replace(/\s+/g, " ").trim()}`);
    lines.push("");
  });
  lines.push("Read a result with: octo-tool fetch URL");
  return `${lines.join("\n")}\n`;
}

export interface PageWindow {
  offset: number;
  maxChars: number;
}

/** The page's text from `offset`, at most `maxChars` of it, with a note on how to read on. */
export function formatPage(page: Page, window: PageWindow): string {
  const total = page.text.length;
  const start = Math.min(window.offset, total);
  const end = Math.min(total, start + window.maxChars);
  const head = [`URL: ${page.url}`];
  if (page.title) head.push(`Title: ${page.title}`);
  if (start > 0 || end < total) head.push(`Characters ${start}-${end} of ${total}`);
  const out = [...head, "", page.text.slice(start, end).trim() || "(no readable text)"];
  if (end < total)
    out.push("", `[${total - end} more characters: octo-tool fetch --offset ${end} ${page.url}]`);
  if (page.cut) out.push("", "[the download stopped at its size limit; the end of the page is missing]");
  return `${out.join("\n")}\n`;
}

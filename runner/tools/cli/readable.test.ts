import { expect, test } from "bun:test";
import { proxyFor } from "./fetch.ts";
import { formatPage } from "./format.ts";
import { htmlToMarkdown } from "./readable.ts";

const page = (body: string) =>
  `<html><head><title>Doc</title><script>var t="SCRIPT"</script></head><body>${body}</body></html>`;

test("the article comes out as Markdown with absolute links; navigation, footer and scripts do not", () => {
  const html = page(`<nav><a href="/x">NAV</a></nav><article><h1>Head</h1>
    <p>${"Words that make a real paragraph of an article. ".repeat(8)}</p>
    <p>A <a href="../other?q=1">relative link</a> and <code>code</code>.</p></article><footer>FOOT</footer>`);
  const md = htmlToMarkdown(html, "https://ex.test/a/b/page.html");
  expect(md.title).toBe("Doc");
  expect(md.markdown).toContain("[relative link](https://ex.test/a/other?q=1)");
  expect(md.markdown).toContain("`code`");
  for (const noise of ["NAV", "FOOT", "SCRIPT"]) expect(md.markdown).not.toContain(noise);
});

test("a page with no article keeps its body text, without the noise", () => {
  const md = htmlToMarkdown(
    page("<nav>NAV</nav><p>Short note.</p><footer>FOOT</footer>"),
    "https://ex.test/",
  );
  expect(md.markdown).toBe("Short note.");
});

test("a long page is shown in windows that say how to read on", () => {
  const text = "x".repeat(250);
  const out = formatPage(
    { url: "https://ex.test/", status: 200, contentType: "text/plain", title: "", text, cut: false },
    { offset: 100, maxChars: 100 },
  );
  expect(out).toContain("Characters 100-200 of 250");
  expect(out).toContain("[50 more characters: octo-tool fetch --offset 200 https://ex.test/]");
});

test("the sandbox's proxy is used, except for the hosts NO_PROXY names", () => {
  const env = {
    HTTPS_PROXY: "http://127.0.0.1:3128",
    HTTP_PROXY: "http://127.0.0.1:3129",
    NO_PROXY: "127.0.0.1,localhost,.internal",
  };
  expect(proxyFor(new URL("https://ex.test/"), env)).toBe("http://127.0.0.1:3128");
  expect(proxyFor(new URL("http://ex.test/"), env)).toBe("http://127.0.0.1:3129");
  expect(proxyFor(new URL("http://127.0.0.1:8080/"), env)).toBeUndefined();
  expect(proxyFor(new URL("http://svc.internal/"), env)).toBeUndefined();
  expect(proxyFor(new URL("https://ex.test/"), {})).toBeUndefined();
});

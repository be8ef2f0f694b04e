/**
 * Markdown to safe HTML: `marked` renders, DOMPurify removes anything that could run (scripts,
 * event handlers, javascript: URLs). Both load on first use, with the markdown preview.
 */
let renderer: Promise<(md: string) => string> | null = null;

export function markdownRenderer(): Promise<(md: string) => string> {
  renderer ??= Promise.all([import("marked"), import("dompurify")]).then(([{ Marked }, purify]) => {
    const marked = new Marked({ gfm: true, breaks: false, async: false });
    const DOMPurify = purify.default;
    return (md: string) => {
      const html = marked.parse(md) as string;
      return DOMPurify.sanitize(html, { USE_PROFILES: { html: true } });
    };
  });
  return renderer;
}
